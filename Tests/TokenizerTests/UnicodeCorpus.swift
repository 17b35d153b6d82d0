// A seeded corpus of short texts that stress Unicode normalisation: ASCII, precomposed Latin,
// Greek and Vietnamese letters, combining marks of many combining classes in random orders,
// Hangul, Tibetan vowels that decompose into non-starters, and scalars newer than Unicode 9.0.
// The same seed always gives the same texts.

import TestSupport

enum UnicodeCorpus {
    static let ascii: [Unicode.Scalar] = ["a", "Z", "e", "1", " ", "!", "[", "\t"]
    /// Letters with canonical decompositions of one to four scalars, including singletons
    /// (U+212B ANGSTROM SIGN, U+2126 OHM SIGN) and CJK compatibility ideographs.
    static let precomposed: [Unicode.Scalar] = [
        "é", "Ñ", "Å", "ǖ", "ṩ", "Ḉ", "İ", "ά", "ΐ", "ῷ", "ᾏ", "ệ", "ở", "ữ", "Ặ", "\u{212B}", "\u{2126}",
        "\u{0958}", "\u{F900}", "\u{2F800}", "\u{0344}", "\u{0CCB}",
    ]
    /// Non-starters: classes 1, 7, 9, 10, 103, 129, 130, 132, 216, 218, 220, 226, 230, 232, 240, and
    /// two spacing (Mc) marks with non-zero classes, which stripping keeps.
    static let marks: [Unicode.Scalar] = [
        "\u{0334}", "\u{093C}", "\u{094D}", "\u{05B0}", "\u{0E38}", "\u{0F71}", "\u{0F72}", "\u{0F74}",
        "\u{0F80}", "\u{031B}", "\u{302A}", "\u{0316}", "\u{0323}", "\u{0301}", "\u{0300}", "\u{0308}",
        "\u{0315}", "\u{0345}", "\u{1D165}", "\u{1D16D}",
    ]
    /// Hangul syllables (LV, LVT) and conjoining jamo.
    static let hangul: [Unicode.Scalar] = ["가", "각", "힣", "\u{1100}", "\u{1161}", "\u{11A8}"]
    /// Class 0 yet decomposing into non-starters (U+0F71 with U+0F72, U+0F74 or U+0F80).
    static let tibetan: [Unicode.Scalar] = ["\u{0F40}", "\u{0F73}", "\u{0F75}", "\u{0F81}"]
    /// Unknown to Unicode 9.0: U+11938 (decomposes since 13.0), U+1ABF (Mn, class 220, 13.0),
    /// U+0898 (Mn, 230, 14.0), U+16FF0 (Mc, 6, 13.0), U+0D3B (Mn, 9, 10.0), U+1F97A (a 2018 emoji).
    static let newerThanUnicode9: [Unicode.Scalar] = [
        "\u{11938}", "\u{1ABF}", "\u{0898}", "\u{16FF0}", "\u{0D3B}", "\u{1F97A}",
    ]
    /// Others the normaliser treats specially: a CJK ideograph, U+200B (removed by cleaning),
    /// U+3000 (whitespace).
    static let others: [Unicode.Scalar] = ["中", "\u{200B}", "\u{3000}"]

    static let groups = [ascii, precomposed, marks, marks, hangul, tibetan, newerThanUnicode9, others]

    /// `count` texts of 0 to `maxLength` scalars; marks are drawn twice as often as other groups.
    static func texts(count: Int, maxLength: Int = 12, seed: UInt64) -> [[Unicode.Scalar]] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            let length = Int.random(in: 0...maxLength, using: &generator)
            return (0..<length).map { _ in
                let group = groups[Int.random(in: 0..<groups.count, using: &generator)]
                return group[Int.random(in: 0..<group.count, using: &generator)]
            }
        }
    }

    static func string(_ scalars: [Unicode.Scalar]) -> String {
        var text = String()
        text.unicodeScalars.append(contentsOf: scalars)
        return text
    }

    static func hex(_ scalars: [Unicode.Scalar]) -> String {
        scalars.map { String($0.value, radix: 16, uppercase: true) }.joined(separator: " ")
    }
}
