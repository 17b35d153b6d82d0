// The character classes BERT tokenization depends on, defined exactly as Hugging Face
// `tokenizers` defines them (normalizers/bert.rs, pre_tokenizers/bert.rs).
//
// `tokenizers` takes "control", "punctuation" and "non-spacing mark" from the `unicode_categories`
// crate, whose tables were generated from Unicode 8.0 and never updated, and NFD from a crate
// with Unicode 9.0 tables; whitespace and lower-casing come from Rust's standard library, which
// follows current Unicode. Swift's `Unicode.Scalar.Properties` follow current Unicode too, so the
// 8.0-era classes are the current general category restricted to characters that existed in 8.0
// (`age`), plus the few characters whose category changed since. Those exceptions were found by
// running every code point through `tokenizers` 0.23.3 and this code; CharacterClassesTests pins
// them and a sample of each class.
//
// This file must not hold any tokenization logic, only classification.

enum CharacterClasses {
    /// Scalars `tokenizers` drops in `clean_text`: NUL, U+FFFD and "other" characters (Cc, Cf, Co as
    /// of Unicode 8.0). Tab, newline and carriage return are whitespace, not control.
    static func isRemovedByCleaning(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: return false
        case 0x00, 0xFFFD: return true
        case 0x20..<0x7F: return false
        default: break
        }
        switch scalar.properties.generalCategory {
        case .control, .format, .privateUse: return existedInUnicode8(scalar)
        default: return false
        }
    }

    /// Rust's `char::is_whitespace`: the Unicode White_Space property (stable since Unicode 6.3).
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            return scalar == " " || (0x09...0x0D).contains(scalar.value)
        }
        return scalar.properties.isWhitespace
    }

    /// `tokenizers`' BERT punctuation: every ASCII symbol in 33–47, 58–64, 91–96, 123–126, plus the
    /// Unicode 8.0 P* categories.
    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            switch scalar.value {
            case 33...47, 58...64, 91...96, 123...126: return true
            default: return false
            }
        }
        if wasPunctuationInUnicode8(scalar) { return true }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return existedInUnicode8(scalar)
        default:
            return false
        }
    }

    /// Non-spacing marks (Mn) as of Unicode 8.0: what `strip_accents` removes after NFD.
    static func isNonspacingMark(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return false }
        switch scalar.value {
        // U+1734 HANUNOO SIGN PAMUDPOD and U+1171E AHOM CONSONANT SIGN MEDIAL RA were Mn in 8.0.
        case 0x1734, 0x1171E: return true
        // Mongolian ALI GALI BALUDA (U+1885, U+1886), U+A9BD JAVANESE CONSONANT SIGN KERET and
        // U+111C9 SHARADA SANDHI MARK were not.
        case 0x1885, 0x1886, 0xA9BD, 0x111C9: return false
        default: return scalar.properties.generalCategory == .nonspacingMark && existedInUnicode8(scalar)
        }
    }

    /// The CJK ideograph blocks `handle_chinese_chars` pads with spaces (not Hangul, Hiragana or
    /// Katakana, which are written with spaces between words).
    static func isChineseIdeograph(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
            0x2B740...0x2B81F, 0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }

    /// A regex `\w` character (Rust `regex`, Unicode mode): used by added tokens' `single_word`.
    static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII {
            let v = scalar.value
            return (0x30...0x39).contains(v) || (0x41...0x5A).contains(v) || (0x61...0x7A).contains(v) || v == 0x5F
        }
        let properties = scalar.properties
        if properties.isAlphabetic || properties.isJoinControl { return true }
        switch properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .connectorPunctuation: return true
        default: return false
        }
    }

    /// Whether `tokenizers`' NFD knows `scalar`: its normalisation tables (the
    /// `unicode-normalization-alignments` crate) date from Unicode 9.0. Newer scalars neither
    /// decompose nor take part in canonical reordering there; they behave as starters.
    static func isKnownToDecomposition(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII || existed(scalar, inUnicode: 9)
    }

    private static func existedInUnicode8(_ scalar: Unicode.Scalar) -> Bool {
        existed(scalar, inUnicode: 8)
    }

    /// Whether `scalar` was assigned in Unicode `major`.0 or earlier.
    private static func existed(_ scalar: Unicode.Scalar, inUnicode major: Int) -> Bool {
        guard let age = scalar.properties.age else { return false }
        return age.major < major || (age.major == major && age.minor == 0)
    }

    /// U+166D CANADIAN SYLLABICS CHI SIGN and U+111C9 SHARADA SANDHI MARK were Po in Unicode 8.0.
    /// (This and the exceptions in `isNonspacingMark` are comparisons, not set look-ups: they run
    /// for every non-ASCII scalar, and hashing costs more than comparing with a handful of values.)
    private static func wasPunctuationInUnicode8(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value == 0x166D || scalar.value == 0x111C9
    }
}
