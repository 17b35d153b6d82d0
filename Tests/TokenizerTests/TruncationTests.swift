import Testing

@testable import Tokenizer

@Suite struct TruncationTests {
    /// Budget 7 (maxLength 10 minus 3 special tokens), the cases of `tokenizers`' own test:
    /// (first, second) → kept (first, second).
    @Test(arguments: [
        (0, 0, 0, 0), (0, 2, 0, 2), (0, 4, 0, 4), (0, 8, 0, 7),
        (2, 0, 2, 0), (2, 2, 2, 2), (2, 4, 2, 4), (2, 8, 2, 5),
        (4, 0, 4, 0), (4, 2, 4, 2), (4, 4, 3, 4), (4, 8, 3, 4),
        (8, 0, 7, 0), (8, 2, 5, 2), (8, 4, 4, 3), (8, 8, 3, 4),
    ])
    func longestFirstKeepsTheShorterWholeOrSplitsTheBudget(
        first: Int, second: Int, keptFirst: Int, keptSecond: Int
    ) {
        let kept = Truncation(maxLength: 10).keptLengths(first: first, second: second, specialTokens: 3)
        #expect(kept.first == keptFirst)
        #expect(kept.second == keptSecond)
    }

    @Test func anOddBudgetGivesTheExtraTokenToTheSecondSequence() {
        let kept = Truncation(maxLength: 512).keptLengths(first: 600, second: 600, specialTokens: 3)
        #expect(kept.first == 254)
        #expect(kept.second == 255)
    }

    @Test func singleSequenceKeepsTheBudget() {
        let truncation = Truncation(maxLength: 6)
        #expect(truncation.keptLengths(first: 10, second: nil, specialTokens: 2) == (4, nil))
        #expect(truncation.keptLengths(first: 3, second: nil, specialTokens: 2) == (3, nil))
    }

    @Test func aBudgetOfZeroEmptiesBothSequences() {
        let kept = Truncation(maxLength: 3).keptLengths(first: 5, second: 1, specialTokens: 3)
        #expect(kept.first == 0)
        #expect(kept.second == 0)
    }

    @Test func maxLengthBelowTheSpecialTokenCountTruncatesNothing() {
        // tokenizers' unsigned budget wraps around; transformers returns the full encoding.
        let kept = Truncation(maxLength: 2).keptLengths(first: 5, second: 5, specialTokens: 3)
        #expect(kept.first == 5)
        #expect(kept.second == 5)
    }

    @Test func cutsFromTheChosenSide() {
        let tokens = [1, 2, 3, 4, 5]
        #expect(Array(Truncation(maxLength: 0, side: .right).cut(tokens, to: 2)) == [1, 2])
        #expect(Array(Truncation(maxLength: 0, side: .left).cut(tokens, to: 2)) == [4, 5])
        #expect(Array(Truncation(maxLength: 0, side: .left).cut(tokens, to: 9)) == tokens)
    }
}
