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
        var scalars: [Unicode.Scalar]
        /// The token emitted for a match: its id and its content (whatever whitespace it absorbed).
        var token: Token
        var singleWord: Bool
        var leftStrip: Bool
        var rightStrip: Bool
    }

    /// The distinct first scalars of the patterns, and for each the patterns starting with it,
    /// longest first. Tokenizers have few added tokens and most share a first scalar ("["), so a
    /// linear scan of `firstScalars` is cheaper per text scalar than hashing it.
    private let firstScalars: [Unicode.Scalar]
    private let patterns: [[Pattern]]

    var isEmpty: Bool { firstScalars.isEmpty }

    /// `tokens` pairs each token's pattern (raw or normalised content) with its resolved id.
    init(_ tokens: [(pattern: [Unicode.Scalar], token: AddedToken, id: Int32)]) {
        var patterns: [Unicode.Scalar: [Pattern]] = [:]
        for (scalars, token, id) in tokens {
            guard let first = scalars.first else { continue }
            patterns[first, default: []].append(
                Pattern(
                    scalars: scalars, token: Token(id: id, text: token.content), singleWord: token.singleWord,
                    leftStrip: token.leftStrip, rightStrip: token.rightStrip))
        }
        let sorted = patterns.sorted { $0.key.value < $1.key.value }
        self.firstScalars = sorted.map(\.key)
        self.patterns = sorted.map { $0.value.sorted { $0.scalars.count > $1.scalars.count } }
    }

    /// Cuts `scalars` into text and token segments covering it entirely, in order.
    func split(_ scalars: ArraySlice<Unicode.Scalar>) -> [TextSegment] {
        guard !isEmpty else { return [.text(scalars.indices)] }
        var segments: [TextSegment] = []
        var emitted = scalars.startIndex  // everything before this is in `segments`
        var searchFrom = scalars.startIndex
        while let (pattern, matchStart) = nextMatch(in: scalars, from: searchFrom) {
            var start = matchStart
            var stop = matchStart + pattern.scalars.count
            searchFrom = stop
            if pattern.singleWord && !isSingleWord(scalars, start, stop) { continue }
            if pattern.leftStrip {
                while start > emitted && CharacterClasses.isWhitespace(scalars[start - 1]) { start -= 1 }
            }
            if pattern.rightStrip {
                while stop < scalars.endIndex && CharacterClasses.isWhitespace(scalars[stop]) { stop += 1 }
            }
            if emitted < start { segments.append(.text(emitted..<start)) }
            segments.append(.token(pattern.token))
            emitted = stop
        }
        if emitted < scalars.endIndex { segments.append(.text(emitted..<scalars.endIndex)) }
        return segments
    }

    /// The leftmost match at or after `position`, longest among those starting there.
    private func nextMatch(in scalars: ArraySlice<Unicode.Scalar>, from position: Int) -> (Pattern, Int)? {
        var index = position
        while index < scalars.endIndex {
            if let first = firstScalars.firstIndex(of: scalars[index]) {
                for pattern in patterns[first] where matches(pattern.scalars, scalars, at: index) {
                    return (pattern, index)
                }
            }
            index += 1
        }
        return nil
    }

    private func matches(_ pattern: [Unicode.Scalar], _ scalars: ArraySlice<Unicode.Scalar>, at index: Int) -> Bool {
        guard scalars.endIndex - index >= pattern.count else { return false }
        return scalars[index..<index + pattern.count].elementsEqual(pattern)
    }

    /// `single_word`: no word character right before or right after the match.
    private func isSingleWord(_ scalars: ArraySlice<Unicode.Scalar>, _ start: Int, _ stop: Int) -> Bool {
        let before = start == scalars.startIndex || !CharacterClasses.isWordCharacter(scalars[start - 1])
        let after = stop == scalars.endIndex || !CharacterClasses.isWordCharacter(scalars[stop])
        return before && after
    }
}
