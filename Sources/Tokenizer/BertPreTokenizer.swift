// BERT pre-tokenisation as `tokenizers`' BertPreTokenizer: split normalised text on whitespace
// (dropped) and on punctuation (each punctuation scalar becomes a word of its own).
// It only finds word boundaries; it never looks words up.

enum BertPreTokenizer {
    /// Calls `body` with the range (indices of `scalars`) of each word of `scalars`, in order.
    static func forEachWord(in scalars: ArraySlice<Unicode.Scalar>, _ body: (Range<Int>) -> Void) {
        var wordStart = scalars.startIndex
        for (index, scalar) in zip(scalars.indices, scalars) {
            if CharacterClasses.isWhitespace(scalar) {
                if wordStart < index { body(wordStart..<index) }
                wordStart = index + 1
            } else if CharacterClasses.isPunctuation(scalar) {
                if wordStart < index { body(wordStart..<index) }
                body(index..<index + 1)
                wordStart = index + 1
            }
        }
        if wordStart < scalars.endIndex { body(wordStart..<scalars.endIndex) }
    }

    /// The words of `scalars` as strings (for tests and diagnostics).
    static func words(in scalars: [Unicode.Scalar]) -> [String] {
        var words: [String] = []
        forEachWord(in: scalars[...]) { range in
            var word = String()
            word.unicodeScalars.append(contentsOf: scalars[range])
            words.append(word)
        }
        return words
    }
}
