import Testing

@testable import Tokenizer

@Suite struct BertNormalizerTests {
    static let uncased = BertNormalizer(
        cleanText: true, handleChineseCharacters: true, stripAccents: true, lowercase: true)
    static let cased = BertNormalizer(
        cleanText: true, handleChineseCharacters: true, stripAccents: false, lowercase: false)

    func normalize(_ text: String, _ normalizer: BertNormalizer) -> String {
        var result = String()
        result.unicodeScalars.append(contentsOf: normalizer.normalize(text.unicodeScalars))
        return result
    }

    func scalars(_ text: String) -> [UInt32] { text.unicodeScalars.map(\.value) }

    @Test func cleaningDropsControlsAndMapsWhitespaceToSpace() {
        let text = "a\u{0}b\u{FFFD}c\u{200B}d\te\nf\r\u{3000}g\u{85}h\u{A0}i"
        #expect(scalars(normalize(text, Self.cased)) == scalars("abcd e f  gh i"))
    }

    @Test func cleaningCanBeTurnedOff() {
        let raw = BertNormalizer(
            cleanText: false, handleChineseCharacters: false, stripAccents: false, lowercase: false)
        #expect(scalars(normalize("a\u{0}\tb", raw)) == scalars("a\u{0}\tb"))
    }

    @Test func chineseIdeographsArePaddedWithSpaces() {
        #expect(normalize("ab中文c", Self.cased) == "ab 中  文 c")
        #expect(normalize("한국어", Self.cased) == "한국어")
    }

    @Test func accentsAreStrippedBeforeLowercasing() {
        #expect(normalize("Café NAÏVE Ångström", Self.uncased) == "cafe naive angstrom")
        // Stripping first: İ → I + U+0307 → I → i. Lower-casing alone gives i + U+0307.
        #expect(scalars(normalize("İ", Self.uncased)) == [0x69])
        let lowercaseOnly = BertNormalizer(
            cleanText: true, handleChineseCharacters: true, stripAccents: false, lowercase: true)
        #expect(scalars(normalize("İ", lowercaseOnly)) == [0x69, 0x307])
    }

    @Test func accentsCanBeStrippedWithoutLowercasing() {
        let stripOnly = BertNormalizer(
            cleanText: true, handleChineseCharacters: true, stripAccents: true, lowercase: false)
        #expect(normalize("Crème Brûlée", stripOnly) == "Creme Brulee")
    }

    @Test func lowercasingIsPerScalarWithoutFinalSigma() {
        #expect(normalize("ΟΔΟΣ", Self.uncased) == "οδοσ")
        #expect(normalize("HeLLo", Self.uncased) == "hello")
        #expect(normalize("ẞ", Self.uncased) == "ß")
    }

    @Test func casedNormalizationKeepsCaseAndAccents() {
        #expect(scalars(normalize("Héllo e\u{301}", Self.cased)) == scalars("Héllo e\u{301}"))
    }

    @Test func scalarsNewerThanUnicode9NeitherDecomposeNorReorder() {
        // U+11938 decomposes since Unicode 13.0; tokenizers' NFD does not know it.
        #expect(scalars(normalize("\u{11938}", Self.uncased)) == [0x11938])
        // Known marks reorder by combining class: U+1D165 (ccc 216) moves before U+1D16D (ccc 226).
        #expect(scalars(normalize("a\u{1D16D}\u{1D165}", Self.uncased)) == [0x61, 0x1D165, 0x1D16D])
        // U+1ABF (Unicode 14.0, ccc 220) is a starter to tokenizers: no reordering, not stripped.
        #expect(scalars(normalize("a\u{1D16D}\u{1ABF}", Self.uncased)) == [0x61, 0x1D16D, 0x1ABF])
    }

    @Test func emptyTextStaysEmpty() {
        #expect(normalize("", Self.uncased).isEmpty)
    }
}
