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

    init(vocabulary: [ExactString: Int32], unknownToken: String, continuingSubwordPrefix: String,
         maxInputCharactersPerWord: Int) throws {
        guard let unknownId = vocabulary[ExactString(unknownToken)] else {
            throw TokenizerError.missingTokensInVocabulary([unknownToken])
        }
        var continuations: [ExactString: Int32] = [:]
        var longestPiece = 0
        for (key, id) in vocabulary {
            longestPiece = max(longestPiece, key.value.unicodeScalars.count)
            if key.value.utf8.starts(with: continuingSubwordPrefix.utf8) {
                let piece = String(decoding: key.value.utf8.dropFirst(continuingSubwordPrefix.utf8.count),
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
        let firstPiece = tokens.count
        var start = word.startIndex
        while start < word.endIndex {
            guard let (piece, stop) = longestPiece(of: word, from: start) else {
                tokens.removeSubrange(firstPiece...)
                tokens.append(unknown)
                return
            }
            tokens.append(piece)
            start = stop
        }
    }

    /// The longest vocabulary piece of `word` starting at `start`, and where it ends.
    private func longestPiece(of word: ArraySlice<Unicode.Scalar>, from start: Int) -> (Token, Int)? {
        let isFirst = start == word.startIndex
        var stop = min(word.endIndex, start + longestPiece)
        while stop > start {
            var candidate = String()
            candidate.unicodeScalars.append(contentsOf: word[start..<stop])
            if isFirst {
                if let id = vocabulary[ExactString(candidate)] { return (Token(id: id, text: candidate), stop) }
            } else if let id = continuations[ExactString(candidate)] {
                return (Token(id: id, text: continuingSubwordPrefix + candidate), stop)
            }
            stop -= 1
        }
        return nil
    }
}
