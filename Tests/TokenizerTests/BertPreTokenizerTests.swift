import Testing

@testable import Tokenizer

@Suite struct BertPreTokenizerTests {
    func words(_ text: String) -> [String] { BertPreTokenizer.words(in: Array(text.unicodeScalars)) }

    @Test func splitsOnWhitespaceAndIsolatesEachPunctuationCharacter() {
        #expect(words("Hey friend!     How are you?!?") == ["Hey", "friend", "!", "How", "are", "you", "?", "!", "?"])
    }

    @Test func asciiSymbolsAreSplitLikePunctuation() {
        #expect(words("a$b+c^d`e|f~g") == ["a", "$", "b", "+", "c", "^", "d", "`", "e", "|", "f", "~", "g"])
        #expect(words("don't") == ["don", "'", "t"])
    }

    @Test func nonASCIISymbolsStayInsideWords() {
        #expect(words("5€ ©2024") == ["5€", "©2024"])
    }

    @Test func anyWhiteSpaceCharacterSplits() {
        #expect(words("a\u{A0}b\u{85}c\u{3000}d\te") == ["a", "b", "c", "d", "e"])
    }

    @Test func punctuationAndWhitespaceAtBothEnds() {
        #expect(words("!a b.") == ["!", "a", "b", "."])
        #expect(words("  ..  ") == [".", "."])
        #expect(words("word") == ["word"])
    }

    @Test func emptyAndBlankTextHaveNoWords() {
        #expect(words("").isEmpty)
        #expect(words("   ").isEmpty)
    }

    @Test func reportsRangesInTheSlicesIndices() {
        let scalars = Array("xx ab,c".unicodeScalars)
        #expect(Array(BertPreTokenizer.wordRanges(in: scalars[3...])) == [3..<5, 5..<6, 6..<7])
        #expect(Array(BertPreTokenizer.wordRanges(in: scalars[3..<4])) == [3..<4])
    }
}
