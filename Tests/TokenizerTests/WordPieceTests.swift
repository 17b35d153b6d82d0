import Testing

@testable import Tokenizer

@Suite struct WordPieceTests {
    static func model(_ tokens: [String], maxInputCharactersPerWord: Int = 100) throws -> WordPiece {
        var vocabulary: [ExactString: Int32] = [:]
        for (index, token) in tokens.enumerated() { vocabulary[ExactString(token)] = Int32(index) }
        return try WordPiece(
            vocabulary: vocabulary, unknownToken: "[UNK]", continuingSubwordPrefix: "##",
            maxInputCharactersPerWord: maxInputCharactersPerWord)
    }

    func pieces(_ word: String, _ model: WordPiece) -> [String] {
        var tokens: [Token] = []
        model.tokenize(Array(word.unicodeScalars)[...], into: &tokens)
        return tokens.map(\.text)
    }

    @Test func segmentsGreedilyWithContinuationPrefix() throws {
        let model = try Self.model(["[UNK]", "un", "##aff", "##able", "unaffable!"])
        #expect(pieces("unaffable", model) == ["un", "##aff", "##able"])
        var tokens: [Token] = []
        model.tokenize(Array("unaffable".unicodeScalars)[...], into: &tokens)
        #expect(tokens.map(\.id) == [1, 2, 3])
    }

    @Test func takesTheLongestPieceFirstEvenWhenAShorterSplitWouldAlsoWork() throws {
        let model = try Self.model(["[UNK]", "a", "ab", "##bc", "##c"])
        #expect(pieces("abc", model) == ["ab", "##c"])
    }

    @Test func wholeWordBecomesOneUnknownWhenAnyPartFails() throws {
        let model = try Self.model(["[UNK]", "ba", "##na"])
        #expect(pieces("banana", model) == ["ba", "##na", "##na"])
        #expect(pieces("nanaba", model) == ["[UNK]"])  // no word-initial "na"
        #expect(pieces("banan", model) == ["[UNK]"])  // trailing "n" has no piece
    }

    @Test func unknownReplacesOnlyTheFailedWordsPieces() throws {
        let model = try Self.model(["[UNK]", "ba", "##na", "x"])
        var tokens = [Token(id: 3, text: "x")]
        model.tokenize(Array("banax".unicodeScalars)[...], into: &tokens)
        #expect(tokens.map(\.text) == ["x", "[UNK]"])
    }

    @Test func wordsLongerThanTheLimitInScalarsAreUnknown() throws {
        let model = try Self.model(["[UNK]", "a", "##a"], maxInputCharactersPerWord: 5)
        #expect(pieces("aaaaa", model) == ["a", "##a", "##a", "##a", "##a"])
        #expect(pieces("aaaaaa", model) == ["[UNK]"])
        // Counted in Unicode scalars: "e" + U+0301 is two.
        let accents = try Self.model(["[UNK]", "e", "##e", "##\u{301}"], maxInputCharactersPerWord: 5)
        #expect(pieces("e\u{301}e\u{301}e", accents).count == 5)
        #expect(pieces("e\u{301}e\u{301}e\u{301}", accents) == ["[UNK]"])
    }

    @Test func vocabularyMatchesBytesNotCanonicalEquivalents() throws {
        let model = try Self.model(["[UNK]", "caf", "café", "##e"])
        #expect(pieces("café", model) == ["café"])
        // Decomposed "e\u{301}" is canonically equal to "é" in Swift, but not the same token.
        #expect(pieces("cafe\u{301}", model) == ["[UNK]"])
    }

    @Test func missingUnknownTokenIsAnError() {
        #expect(throws: TokenizerError.missingTokensInVocabulary(["[UNK]"])) {
            try Self.model(["a", "##b"])
        }
    }
}
