// Added (and special) tokens: literal strings such as "[SEP]" that are cut out of the text before
// the BERT pipeline runs and map straight to their id, as `tokenizers`' AddedVocabulary does:
// leftmost-longest, non-overlapping matches, with the `single_word`, `lstrip` and `rstrip` rules.
// Tokens with `normalized == false` are matched in the raw text, the others in normalised text.
// This file finds matches only; it does not normalise or look anything up in the vocabulary.

/// A token added on top of the WordPiece vocabulary (`added_tokens` in tokenizer.json).
public struct AddedToken: Sendable, Equatable {
    public var content: String
    /// The id to emit; nil means the id of `content` in the vocabulary.
    public var id: Int32?
    public var isSpecial: Bool
    /// Match only where the token is not inside a word (no `\w` character on either side).
    public var singleWord: Bool
    /// Absorb the whitespace before the token.
    public var leftStrip: Bool
    /// Absorb the whitespace after the token.
    public var rightStrip: Bool
    /// Match against normalised text (after lower-casing etc.) rather than the raw text.
    public var normalized: Bool

    public init(
        content: String, id: Int32? = nil, isSpecial: Bool = true, singleWord: Bool = false,
        leftStrip: Bool = false, rightStrip: Bool = false, normalized: Bool? = nil
    ) {
        self.content = content
        self.id = id
        self.isSpecial = isSpecial
        self.singleWord = singleWord
        self.leftStrip = leftStrip
        self.rightStrip = rightStrip
        self.normalized = normalized ?? !isSpecial  // tokenizers' default: special tokens are not normalised
    }
}

/// A piece of text after added-token extraction.
enum TextSegment: Equatable {
    /// Ordinary text, as a range of the scalars given to `split`.
    case text(Range<Int>)
    case token(Token)
}

struct AddedTokenMatcher: Sendable {
    private struct Pattern: Sendable {
        var length: Int
        /// The token emitted for a match: its id and its content (whatever whitespace it absorbed).
        var token: Token
        var singleWord: Bool
        var leftStrip: Bool
        var rightStrip: Bool
    }

    private let patterns: [Pattern]
    /// The patterns' scalars as a trie, so trying every pattern at one position costs at most the
    /// longest pattern's length, however many patterns share a prefix ("[SEP" repeated, or hundreds
    /// of "<extra_id_N>"): matching stays linear in the text.
    private let trie: PatternTrie

    var isEmpty: Bool { patterns.isEmpty }

    /// `tokens` pairs each token's pattern (raw or normalised content) with its resolved id. When
    /// two tokens have the same pattern, the first one is matched.
    init(_ tokens: [(pattern: [Unicode.Scalar], token: AddedToken, id: Int32)]) {
        var patterns: [Pattern] = []
        var trie = PatternTrie()
        for (scalars, token, id) in tokens where !scalars.isEmpty {
            guard trie.insert(scalars, pattern: patterns.count) else { continue }
            patterns.append(
                Pattern(
                    length: scalars.count, token: Token(id: id, text: token.content), singleWord: token.singleWord,
                    leftStrip: token.leftStrip, rightStrip: token.rightStrip))
        }
        self.patterns = patterns
        self.trie = trie
    }

    /// Cuts `scalars` into text and token segments covering it entirely, in order.
    func split(_ scalars: ArraySlice<Unicode.Scalar>) -> [TextSegment] {
        var stop = StopCheck<Never>.never
        return split(scalars, stop: &stop)
    }

    /// `split(_:)`, polling `stop` as it scans.
    func split<Failure>(
        _ scalars: ArraySlice<Unicode.Scalar>, stop: inout StopCheck<Failure>
    ) throws(Failure) -> [TextSegment] {
        guard !isEmpty else { return [.text(scalars.indices)] }
        var segments: [TextSegment] = []
        var emitted = scalars.startIndex  // everything before this is in `segments`
        var searchFrom = scalars.startIndex
        while let (pattern, matchStart) = try nextMatch(in: scalars, from: searchFrom, stop: &stop) {
            var start = matchStart
            var end = matchStart + pattern.length
            searchFrom = end
            if pattern.singleWord && !isSingleWord(scalars, start, end) { continue }
            if pattern.leftStrip {
                while start > emitted && CharacterClasses.isWhitespace(scalars[start - 1]) { start -= 1 }
            }
            if pattern.rightStrip {
                while end < scalars.endIndex && CharacterClasses.isWhitespace(scalars[end]) { end += 1 }
            }
            if emitted < start { segments.append(.text(emitted..<start)) }
            segments.append(.token(pattern.token))
            emitted = end
        }
        if emitted < scalars.endIndex { segments.append(.text(emitted..<scalars.endIndex)) }
        return segments
    }

    /// The leftmost match at or after `position`, longest among those starting there.
    private func nextMatch<Failure>(
        in scalars: ArraySlice<Unicode.Scalar>, from position: Int, stop: inout StopCheck<Failure>
    ) throws(Failure) -> (Pattern, Int)? {
        for index in position..<scalars.endIndex {
            try stop.record()
            if let pattern = trie.longestMatch(in: scalars, at: index) { return (patterns[pattern], index) }
        }
        return nil
    }

    /// `single_word`: no word character right before or right after the match.
    private func isSingleWord(_ scalars: ArraySlice<Unicode.Scalar>, _ start: Int, _ end: Int) -> Bool {
        let before = start == scalars.startIndex || !CharacterClasses.isWordCharacter(scalars[start - 1])
        let after = end == scalars.endIndex || !CharacterClasses.isWordCharacter(scalars[end])
        return before && after
    }
}
