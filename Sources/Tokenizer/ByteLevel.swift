// GPT-2's byte-level pre-tokenisation as `tokenizers`' ByteLevel: optionally a space before the
// text, the GPT-2 split pattern
//     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// (hand-written below as a single left-to-right scan, so it is linear in the text), and each
// piece's UTF-8 bytes written as the 256 printable stand-in scalars GPT-2 uses.
// It splits and maps; it never looks anything up in a vocabulary.

struct ByteLevelPreTokenizer: Sendable {
    var addPrefixSpace: Bool
    var useRegex: Bool

    /// The stand-in scalar of each byte: printable Latin-1 bytes stand for themselves, the others
    /// (controls, space, 0x7F–0xA0, 0xAD) map to U+0100 upwards in byte order.
    static let alphabet: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: " ", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            let printable = (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
            if printable {
                table[byte] = Unicode.Scalar(UInt8(byte))
            } else {
                table[byte] = Unicode.Scalar(next).unsafelyUnwrapped  // 256...323: valid scalars
                next += 1
            }
        }
        return table
    }()

    /// Appends the byte-mapped pieces of `scalars` to `pieces`.
    func split<Failure>(
        _ scalars: ArraySlice<Unicode.Scalar>, into pieces: inout [[Unicode.Scalar]], stop: inout StopCheck<Failure>
    ) throws(Failure) {
        guard !scalars.isEmpty else { return }
        var text = Array(scalars)
        if addPrefixSpace && text.first != " " { text.insert(" ", at: 0) }
        guard useRegex else {
            try stop.record(text.count)
            pieces.append(Self.byteMapped(text[...]))
            return
        }
        var start = 0
        while start < text.count {
            let end = GPT2Pattern.matchEnd(in: text, from: start)
            try stop.record(end - start)
            pieces.append(Self.byteMapped(text[start..<end]))
            start = end
        }
    }

    static func byteMapped(_ scalars: ArraySlice<Unicode.Scalar>) -> [Unicode.Scalar] {
        var mapped: [Unicode.Scalar] = []
        mapped.reserveCapacity(scalars.count)
        for scalar in scalars {
            UTF8.encode(scalar) { mapped.append(alphabet[Int($0)]) }
        }
        return mapped
    }
}

/// The GPT-2 split pattern: where the match starting at a position ends. Classes as Oniguruma
/// sees them: `\s` is White_Space, `\p{L}` and `\p{N}` the letter and number categories.
enum GPT2Pattern {
    static func matchEnd(in text: [Unicode.Scalar], from start: Int) -> Int {
        let first = text[start]
        if first == "'", let length = contractionLength(text, start + 1) { return start + 1 + length }
        let afterSpace = first == " " && start + 1 < text.count ? start + 1 : start
        let head = text[afterSpace]
        if first != " " || afterSpace != start {
            if isLetter(head) { return run(text, from: afterSpace + 1, while: isLetter) }
            if isNumber(head) { return run(text, from: afterSpace + 1, while: isNumber) }
            if isOther(head) { return run(text, from: afterSpace + 1, while: isOther) }
        }
        // `\s+(?!\S)` then `\s+`: a whitespace run, less its last scalar when a non-space follows
        // and the run is longer than one.
        let end = run(text, from: start + 1, while: CharacterClasses.isWhitespace)
        if end < text.count && end - start > 1 { return end - 1 }
        return end
    }

    /// 's 't 'm 'd (1) or 're 've 'll (2) after the apostrophe, lower case only.
    private static func contractionLength(_ text: [Unicode.Scalar], _ index: Int) -> Int? {
        guard index < text.count else { return nil }
        switch text[index] {
        case "s", "t", "m", "d": return 1
        case "r", "v", "l":
            guard index + 1 < text.count else { return nil }
            let second = text[index + 1]
            let expected: Unicode.Scalar = text[index] == "l" ? "l" : "e"
            return second == expected ? 2 : nil
        default: return nil
        }
    }

    private static func run(_ text: [Unicode.Scalar], from index: Int, while predicate: (Unicode.Scalar) -> Bool) -> Int {
        var end = index
        while end < text.count && predicate(text[end]) { end += 1 }
        return end
    }

    static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return (0x41...0x5A).contains(scalar.value) || (0x61...0x7A).contains(scalar.value) }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return true
        default: return false
        }
    }

    static func isNumber(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return (0x30...0x39).contains(scalar.value) }
        switch scalar.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    static func isOther(_ scalar: Unicode.Scalar) -> Bool {
        !CharacterClasses.isWhitespace(scalar) && !isLetter(scalar) && !isNumber(scalar)
    }
}
