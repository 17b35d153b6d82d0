import Testing

@testable import Tokenizer

/// The classes must follow `tokenizers` 0.23 (Unicode 8.0 categories, Unicode 9.0 NFD), not
/// current Unicode; each case below was checked against it.
@Suite struct CharacterClassesTests {
    @Test(
        arguments: [
            "\u{0}", "\u{FFFD}", "\u{7F}", "\u{85}", "\u{0B}", "\u{1F}", "\u{AD}", "\u{200B}", "\u{FEFF}",
            "\u{E000}", "\u{10FFFD}",
        ] as [Unicode.Scalar])
    func cleaningRemovesControlFormatAndPrivateUse(_ scalar: Unicode.Scalar) {
        #expect(CharacterClasses.isRemovedByCleaning(scalar))
    }

    @Test(
        arguments: ["\t", "\n", "\r", " ", "a", "\u{A0}", "\u{0890}", "\u{110CD}", "\u{13430}", "\u{E0000}"]
            as [Unicode.Scalar])
    func cleaningKeepsWhitespaceTextAndFormatCharactersNewerThanUnicode8(_ scalar: Unicode.Scalar) {
        #expect(!CharacterClasses.isRemovedByCleaning(scalar))
    }

    @Test func whitespaceIsTheWhiteSpaceProperty() {
        for scalar in [" ", "\t", "\n", "\u{0B}", "\u{85}", "\u{A0}", "\u{1680}", "\u{2000}", "\u{2028}", "\u{3000}"]
            as [Unicode.Scalar]
        {
            #expect(CharacterClasses.isWhitespace(scalar), "U+\(String(scalar.value, radix: 16))")
        }
        for scalar in ["a", "\u{200B}", "\u{180E}", "\u{FEFF}", "\u{1C}"] as [Unicode.Scalar] {
            #expect(!CharacterClasses.isWhitespace(scalar), "U+\(String(scalar.value, radix: 16))")
        }
    }

    @Test func punctuationIsASCIISymbolsPlusUnicode8Punctuation() {
        let punctuation: [Unicode.Scalar] = [
            "!", "$", "+", "<", "^", "`", "|", "~", "¡", "—", "…", "«", "、", "\u{166D}",
            "\u{111C9}",
        ]
        for scalar in punctuation {
            #expect(CharacterClasses.isPunctuation(scalar), "U+\(String(scalar.value, radix: 16))")
        }
        // Currency and other symbols outside ASCII, and punctuation added after Unicode 8.0.
        let notPunctuation: [Unicode.Scalar] = ["a", "0", " ", "€", "©", "±", "\u{2E43}", "\u{1B7D}", "\u{61D}"]
        for scalar in notPunctuation {
            #expect(!CharacterClasses.isPunctuation(scalar), "U+\(String(scalar.value, radix: 16))")
        }
    }

    @Test func nonspacingMarksAreUnicode8Mn() {
        for scalar in ["\u{0301}", "\u{0316}", "\u{1734}", "\u{1171E}"] as [Unicode.Scalar] {
            #expect(CharacterClasses.isNonspacingMark(scalar), "U+\(String(scalar.value, radix: 16))")
        }
        for scalar in ["a", "\u{1885}", "\u{1886}", "\u{A9BD}", "\u{111C9}", "\u{1ABF}", "\u{1D16D}"]
            as [Unicode.Scalar]
        {
            #expect(!CharacterClasses.isNonspacingMark(scalar), "U+\(String(scalar.value, radix: 16))")
        }
    }

    @Test func chineseIdeographsAreTheCJKBlocksOnly() {
        for scalar in ["中", "\u{3400}", "\u{9FFF}", "\u{F900}", "\u{20000}", "\u{2B81F}", "\u{2B920}", "\u{2F800}"]
            as [Unicode.Scalar]
        {
            #expect(CharacterClasses.isChineseIdeograph(scalar), "U+\(String(scalar.value, radix: 16))")
        }
        for scalar in ["가", "ひ", "カ", "a", "\u{2B820}", "\u{30000}"] as [Unicode.Scalar] {
            #expect(!CharacterClasses.isChineseIdeograph(scalar), "U+\(String(scalar.value, radix: 16))")
        }
    }

    @Test func decompositionKnowsUnicode9ScalarsOnly() {
        #expect(CharacterClasses.isKnownToDecomposition("é"))
        #expect(CharacterClasses.isKnownToDecomposition("\u{1E900}"))  // Adlam, Unicode 9.0
        #expect(!CharacterClasses.isKnownToDecomposition("\u{11938}"))  // decomposes since Unicode 13.0
        #expect(!CharacterClasses.isKnownToDecomposition("\u{1ABF}"))
    }

    @Test func wordCharactersAreRegexBackslashW() {
        for scalar in ["a", "Z", "5", "_", "é", "\u{0301}", "中", "\u{200D}"] as [Unicode.Scalar] {
            #expect(CharacterClasses.isWordCharacter(scalar), "U+\(String(scalar.value, radix: 16))")
        }
        for scalar in ["-", " ", ",", "<", "\u{A0}"] as [Unicode.Scalar] {
            #expect(!CharacterClasses.isWordCharacter(scalar), "U+\(String(scalar.value, radix: 16))")
        }
    }
}
