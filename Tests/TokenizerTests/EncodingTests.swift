import Testing

@testable import Tokenizer

@Suite struct EncodingTests {
    let template = PairTemplate(classifier: Token(id: 101, text: "[CLS]"), separator: Token(id: 102, text: "[SEP]"))
    let first = [Token(id: 1, text: "a"), Token(id: 2, text: "b")]
    let second = [Token(id: 3, text: "c")]

    @Test func singleSequenceIsWrappedInClassifierAndSeparator() {
        let encoding = template.assemble(first: first[...], second: nil, typeIds: .segments)
        #expect(
            encoding == Encoding(ids: [101, 1, 2, 102], tokens: ["[CLS]", "a", "b", "[SEP]"], typeIds: [0, 0, 0, 0]))
    }

    @Test func pairGetsASeparatorAfterEachSequence() {
        let encoding = template.assemble(first: first[...], second: second[...], typeIds: .zeros)
        #expect(encoding.ids == [101, 1, 2, 102, 3, 102])
        #expect(encoding.tokens == ["[CLS]", "a", "b", "[SEP]", "c", "[SEP]"])
        #expect(encoding.typeIds == [0, 0, 0, 0, 0, 0])
    }

    @Test func segmentTypeIdsMarkTheSecondSequenceAndItsSeparator() {
        let encoding = template.assemble(first: first[...], second: second[...], typeIds: .segments)
        #expect(encoding.typeIds == [0, 0, 0, 0, 1, 1])
    }

    @Test func emptySequencesStillGetTheirSpecialTokens() {
        #expect(template.assemble(first: [], second: [], typeIds: .segments).ids == [101, 102, 102])
        #expect(template.specialTokenCount(hasSecond: true) == 3)
        #expect(template.specialTokenCount(hasSecond: false) == 2)
    }
}
