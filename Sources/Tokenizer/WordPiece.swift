// The WordPiece model: greedy longest-match-first segmentation of one pre-tokenised word into
// vocabulary pieces, as `tokenizers`' WordPiece. It sees single words only; normalisation,
// splitting and special tokens happen before it.

/// A token produced by the pipeline: its id and its text as Hugging Face reports it.
struct Token: Sendable, Equatable {
    var id: Int32
    var text: String
}

/// A `String` dictionary key compared by its UTF-8 bytes. Swift's `String` equality follows
/// canonical equivalence ("é" == "e\u{301}"); Rust's does not, and the vocabulary must not
/// match text that `tokenizers` would not match.
struct ExactString: Hashable, Sendable {
    var value: String

    init(_ value: String) { self.value = value }

    static func == (lhs: ExactString, rhs: ExactString) -> Bool {
        lhs.value.utf8.elementsEqual(rhs.value.utf8)
    }

    func hash(into hasher: inout Hasher) {
        var copy = value
        copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}

struct WordPiece: Sendable {
    /// Token → id for every vocabulary entry.
    let vocabulary: [ExactString: Int32]
    /// Continuation pieces keyed without their prefix ("##ing" is stored as "ing").
    private let continuations: [ExactString: Int32]
    let continuingSubwordPrefix: String
    let unknown: Token
    let maxInputCharactersPerWord: Int
    /// The longest key in scalars: no longer candidate can match, so none is built.
    private let longestPiece: Int

    init(
        vocabulary: [ExactString: Int32], unknownToken: String, continuingSubwordPrefix: String,
        maxInputCharactersPerWord: Int
    ) throws {
        guard let unknownId = vocabulary[ExactString(unknownToken)] else {
            throw TokenizerError.missingTokensInVocabulary([unknownToken])
        }
        var continuations: [ExactString: Int32] = [:]
        var longestPiece = 0
        for (key, id) in vocabulary {
            longestPiece = max(longestPiece, key.value.unicodeScalars.count)
            if key.value.utf8.starts(with: continuingSubwordPrefix.utf8) {
                let piece = String(
                    decoding: key.value.utf8.dropFirst(continuingSubwordPrefix.utf8.count),
                    as: UTF8.self)
                continuations[ExactString(piece)] = id
            }
        }
        self.vocabulary = vocabulary
        self.continuations = continuations
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.unknown = Token(id: unknownId, text: unknownToken)
        self.maxInputCharactersPerWord = maxInputCharactersPerWord
        self.longestPiece = longestPiece
    }

    /// Appends the pieces of `word` to `tokens`: the greedy segmentation, or one unknown token when
    /// the word is longer than `maxInputCharactersPerWord` scalars or cannot be segmented entirely.
    func tokenize(_ word: ArraySlice<Unicode.Scalar>, into tokens: inout [Token]) {
        if word.count > maxInputCharactersPerWord {
            tokens.append(unknown)
            return
        }
        // Candidates are cut from the word's UTF-8 at scalar boundaries: building each candidate
        // from scalars costs far more than decoding a few bytes (words are short; stack buffers).
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: word.count * 4) { utf8 in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: word.count + 1) { boundaries in
                var length = 0
                boundaries[0] = 0
                for (index, scalar) in word.enumerated() {
                    UTF8.encode(scalar) { byte in
                        utf8[length] = byte
                        length += 1
                    }
                    boundaries[index + 1] = length
                }
                let encoded = EncodedWord(
                    utf8: UnsafeBufferPointer(utf8), boundaries: UnsafeBufferPointer(boundaries),
                    count: word.count)
                segment(encoded, into: &tokens)
            }
        }
    }

    private struct EncodedWord {
        var utf8: UnsafeBufferPointer<UInt8>
        /// UTF-8 offset of each scalar, then the total length.
        var boundaries: UnsafeBufferPointer<Int>
        var count: Int

        func text(_ scalars: Range<Int>) -> String {
            String(
                decoding: UnsafeBufferPointer(
                    rebasing: utf8[boundaries[scalars.lowerBound]..<boundaries[scalars.upperBound]]),
                as: UTF8.self)
        }
    }

    private func segment(_ word: EncodedWord, into tokens: inout [Token]) {
        let firstPiece = tokens.count
        var start = 0
        while start < word.count {
            guard let (piece, stop) = longestPiece(of: word, from: start) else {
                tokens.removeSubrange(firstPiece...)
                tokens.append(unknown)
                return
            }
            tokens.append(piece)
            start = stop
        }
    }

    /// The longest vocabulary piece of `word` starting at scalar `start`, and where it ends.
    private func longestPiece(of word: EncodedWord, from start: Int) -> (Token, Int)? {
        var stop = min(word.count, start + longestPiece)
        while stop > start {
            let candidate = word.text(start..<stop)
            if start == 0 {
                if let id = vocabulary[ExactString(candidate)] { return (Token(id: id, text: candidate), stop) }
            } else if let id = continuations[ExactString(candidate)] {
                return (Token(id: id, text: continuingSubwordPrefix + candidate), stop)
            }
            stop -= 1
        }
        return nil
    }
}
