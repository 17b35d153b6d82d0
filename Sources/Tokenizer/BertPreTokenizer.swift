// BERT pre-tokenisation as `tokenizers`' BertPreTokenizer: split normalised text on whitespace
// (dropped) and on punctuation (each punctuation scalar becomes a word of its own).
// It only finds word boundaries, in one pass; it never looks words up.

enum BertPreTokenizer {
    /// The range (indices of `scalars`) of each word of `scalars`, in order.
    static func wordRanges(in scalars: ArraySlice<Unicode.Scalar>) -> WordRanges {
        WordRanges(scalars: scalars)
    }

    /// The words of `scalars` as strings (for tests and diagnostics).
    static func words(in scalars: [Unicode.Scalar]) -> [String] {
        wordRanges(in: scalars[...]).map { range in
            var word = String()
            word.unicodeScalars.append(contentsOf: scalars[range])
            return word
        }
    }

    /// A sequence rather than a callback, so the caller's loop may throw (to stop) as it likes.
    struct WordRanges: Sequence, IteratorProtocol {
        let scalars: ArraySlice<Unicode.Scalar>
        private var position: Int

        init(scalars: ArraySlice<Unicode.Scalar>) {
            self.scalars = scalars
            self.position = scalars.startIndex
        }

        mutating func next() -> Range<Int>? {
            let end = scalars.endIndex
            while position < end && CharacterClasses.isWhitespace(scalars[position]) { position += 1 }
            guard position < end else { return nil }
            let start = position
            position += 1
            if CharacterClasses.isPunctuation(scalars[start]) { return start..<position }
            while position < end && !Self.endsWord(scalars[position]) { position += 1 }
            return start..<position
        }

        private static func endsWord(_ scalar: Unicode.Scalar) -> Bool {
            CharacterClasses.isWhitespace(scalar) || CharacterClasses.isPunctuation(scalar)
        }
    }
}
