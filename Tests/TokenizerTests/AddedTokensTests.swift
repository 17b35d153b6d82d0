import Testing

@testable import Tokenizer

@Suite struct AddedTokensTests {
    /// Splits `text` and renders each segment: text as itself, tokens as "<id:text>".
    func split(_ text: String, _ tokens: [AddedToken]) -> [String] {
        let matcher = AddedTokenMatcher(
            tokens.enumerated().map { (Array($1.content.unicodeScalars), $1, Int32($0)) })
        let scalars = Array(text.unicodeScalars)
        return matcher.split(scalars[...]).map { segment in
            switch segment {
            case .text(let range):
                var piece = String()
                piece.unicodeScalars.append(contentsOf: scalars[range])
                return piece
            case .token(let token):
                return "<\(token.id):\(token.text)>"
            }
        }
    }

    @Test func specialTokensAreCutOutOfTheRawText() {
        let tokens = [AddedToken(content: "[SEP]"), AddedToken(content: "[CLS]")]
        #expect(split("a[SEP]b", tokens) == ["a", "<0:[SEP]>", "b"])
        #expect(split("[CLS][SEP]", tokens) == ["<1:[CLS]>", "<0:[SEP]>"])
        #expect(split("[sep] [SEP", tokens) == ["[sep] [SEP"])
        #expect(split("", tokens).isEmpty)
    }

    @Test func leftmostMatchWinsThenTheLongest() {
        let tokens = [AddedToken(content: "ab"), AddedToken(content: "abc"), AddedToken(content: "bcd")]
        #expect(split("xabcd", tokens) == ["x", "<1:abc>", "d"])
        #expect(split("xbcd", tokens) == ["x", "<2:bcd>"])
    }

    @Test func singleWordTokensMatchOnlyOutsideWords() {
        let mask = AddedToken(content: "<mask>", isSpecial: false, singleWord: true)
        #expect(
            split("<mask> My name <mask> A<mask> <mask>ony <mask>", [mask])
                == ["<0:<mask>>", " My name ", "<0:<mask>>", " A<mask> <mask>ony ", "<0:<mask>>"])
        #expect(
            split("<mask>, <mask>- \u{25CC}\u{330}<mask>", [mask])
                == ["<0:<mask>>", ", ", "<0:<mask>>", "- \u{25CC}\u{330}<mask>"])
    }

    @Test func stripFlagsAbsorbNeighbouringWhitespace() {
        let mask = AddedToken(content: "<mask>", leftStrip: true, rightStrip: true)
        #expect(
            split("Hi <mask> there\t<mask>\t<mask>\u{2000}", [mask])
                == ["Hi", "<0:<mask>>", "there", "<0:<mask>>", "<0:<mask>>"])
        #expect(split("a  <mask>  b", [AddedToken(content: "<mask>", leftStrip: true)]) == ["a", "<0:<mask>>", "  b"])
        #expect(split("a  <mask>  b", [AddedToken(content: "<mask>", rightStrip: true)]) == ["a  ", "<0:<mask>>", "b"])
    }

    @Test func manyTokensSharingAPrefixAndLookAlikesInTheText() {
        let tokens = (0..<300).map { AddedToken(content: "<extra_id_\($0)>") }
        let text = String(repeating: "<extra_id_", count: 2_000) + "<extra_id_299>" + "<extra_id_7>"
        #expect(
            split(text, tokens) == [
                String(repeating: "<extra_id_", count: 2_000), "<299:<extra_id_299>>", "<7:<extra_id_7>>",
            ])
        let separators = String(repeating: "[SEP", count: 10_000)
        #expect(split(separators + "[SEP]", [AddedToken(content: "[SEP]")]) == [separators, "<0:[SEP]>"])
    }

    @Test func theFirstOfTwoTokensWithTheSameContentWins() {
        let tokens = [AddedToken(content: "[X]"), AddedToken(content: "[X]", singleWord: true)]
        #expect(split("a[X]", tokens) == ["a", "<0:[X]>"])
    }

    @Test func specialTokensAreNotNormalizedByDefaultOthersAre() {
        #expect(!AddedToken(content: "[SEP]").normalized)
        #expect(AddedToken(content: "hello", isSpecial: false).normalized)
        #expect(!AddedToken(content: "hello", isSpecial: false, normalized: false).normalized)
    }
}
