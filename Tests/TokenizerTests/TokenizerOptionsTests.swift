import Testing
@testable import Tokenizer

@Suite struct TokenizerOptionsTests {
    @Test func specialTokensAreAddedTokensUnlessListedExplicitly() {
        var options = BertTokenizer.Options(paddingToken: nil)
        options.addedTokens = [AddedToken(content: "[SEP]", rightStrip: true)]
        let contents = options.allAddedTokens.map(\.content)
        #expect(contents == ["[UNK]", "[CLS]", "[MASK]", "[SEP]"])
        #expect(options.allAddedTokens.last?.rightStrip == true)
        #expect(options.allAddedTokens.allSatisfy { !$0.normalized })
    }

    @Test func specialTokenIdsPreferAnAddedTokensOwnId() throws {
        var options = BertTokenizer.Options(paddingToken: nil, maskToken: nil)
        options.addedTokens = [AddedToken(content: "[CLS]", id: 9)]
        let vocabulary: [ExactString: Int32] = [
            ExactString("[CLS]"): 0, ExactString("[SEP]"): 1, ExactString("[UNK]"): 2,
        ]
        let added = [(token: options.addedTokens[0], id: Int32(9))]
        let ids = try BertTokenizer.SpecialTokens(options: options, vocabulary: vocabulary, addedTokens: added)
        #expect(ids == .init(classifier: 9, separator: 1, unknown: 2, padding: nil, mask: nil))
    }

    @Test func stripAccentsFollowsLowercaseUnlessSet() {
        #expect(BertNormalizer(options: .init(lowercase: true)).stripAccents)
        #expect(!BertNormalizer(options: .init(lowercase: false)).stripAccents)
        #expect(!BertNormalizer(options: .init(lowercase: true, stripAccents: false)).stripAccents)
        #expect(BertNormalizer(options: .init(lowercase: false, stripAccents: true)).stripAccents)
    }
}
