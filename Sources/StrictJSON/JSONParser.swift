// A strict, bounded JSON parser (RFC 8259: no trailing commas, comments, leading zeros, NaN or
// single quotes; strings must be valid UTF-8 with paired surrogates). Pure: bytes and options in,
// `JSONValue` or `JSONError` out. It does no I/O and knows no file format.

/// How a parse treats repeated keys and how much input it accepts.
package struct JSONParseOptions: Sendable {
    package enum DuplicateKeys: Sendable {
        /// Keep every member; lookups by key answer the last one, as most JSON parsers do.
        case lastWins
        /// Throw a `JSONError` whose `duplicateKey` names the key and the depth of its object.
        /// Keys are duplicates only when their Unicode scalars are identical.
        case reject
    }

    package var duplicateKeys: DuplicateKeys
    /// A value inside this many containers (or more) is an error: with 2, `[[]]` parses, `[[1]]` does not.
    package var maxDepth: Int
    /// Longer inputs are rejected before parsing.
    package var maxBytes: Int

    package init(duplicateKeys: DuplicateKeys, maxDepth: Int = 64, maxBytes: Int = 100_000_000) {
        self.duplicateKeys = duplicateKeys
        self.maxDepth = maxDepth
        self.maxBytes = maxBytes
    }
}

package struct JSONError: Error, CustomStringConvertible {
    /// Where the problem was found, in bytes from the start of the input.
    package let offset: Int
    package let message: String
    /// Set when the error is a key repeated within one object; `depth` 0 is the outermost object.
    package var duplicateKey: (key: String, depth: Int)? = nil

    package var description: String { "\(message) at byte \(offset)" }
}

extension JSONValue {
    /// Parses exactly one JSON value surrounded by optional whitespace.
    package static func parse(_ bytes: UnsafeRawBufferPointer, options: JSONParseOptions) throws(JSONError)
        -> JSONValue
    {
        guard bytes.count <= options.maxBytes else {
            throw JSONError(offset: options.maxBytes, message: "input longer than \(options.maxBytes) bytes")
        }
        var parser = JSONParser(bytes: bytes, options: options)
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.position == bytes.count else { throw parser.error("unexpected data after the JSON value") }
        return value
    }

    package static func parse(_ bytes: [UInt8], options: JSONParseOptions) throws(JSONError) -> JSONValue {
        // `withUnsafeBytes` has an untyped-throws signature, so carry the result out explicitly.
        let result: Result<JSONValue, JSONError> = bytes.withUnsafeBytes { buffer in
            do throws(JSONError) {
                return .success(try parse(buffer, options: options))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}

/// Recursive descent over the bytes; `depth` counts enclosing containers.
private struct JSONParser {
    let bytes: UnsafeRawBufferPointer
    let options: JSONParseOptions
    var position = 0

    init(bytes: UnsafeRawBufferPointer, options: JSONParseOptions) {
        self.bytes = bytes
        self.options = options
    }

    func error(_ message: String) -> JSONError {
        JSONError(offset: position, message: message)
    }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
            position += 1
        }
    }

    mutating func value(depth: Int) throws(JSONError) -> JSONValue {
        guard depth < options.maxDepth else { throw error("nesting deeper than \(options.maxDepth)") }
        skipWhitespace()
        guard let byte = current else { throw error("unexpected end of input") }
        switch byte {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["): return try array(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw error("unexpected character")
        }
    }

    private mutating func literal(_ word: StaticString, _ value: JSONValue) throws(JSONError) -> JSONValue {
        let length = word.utf8CodeUnitCount
        guard position + length <= bytes.count else { throw error("unexpected end of input") }
        for i in 0..<length where bytes[position + i] != word.utf8Start[i] {
            throw error("invalid literal")
        }
        position += length
        return value
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws(JSONError) {
        skipWhitespace()
        guard current == byte else { throw error("expected \(what)") }
        position += 1
    }

    /// Consumes `byte` (after whitespace) if it is next.
    private mutating func consume(_ byte: UInt8) -> Bool {
        skipWhitespace()
        guard current == byte else { return false }
        position += 1
        return true
    }

    private mutating func object(depth: Int) throws(JSONError) -> JSONValue {
        position += 1
        var members: [(key: String, value: JSONValue)] = []
        var seen = Set<[UInt8]>()
        if consume(UInt8(ascii: "}")) { return .object(members) }
        repeat {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let keyOffset = position
            let key = try string()
            if options.duplicateKeys == .reject, !seen.insert(Array(key.utf8)).inserted {
                throw JSONError(offset: keyOffset, message: "duplicate key \"\(key)\"", duplicateKey: (key, depth))
            }
            try expect(UInt8(ascii: ":"), "':'")
            members.append((key, try value(depth: depth + 1)))
        } while consume(UInt8(ascii: ","))
        try expect(UInt8(ascii: "}"), "',' or '}'")
        return .object(members)
    }

    private mutating func array(depth: Int) throws(JSONError) -> JSONValue {
        position += 1
        var elements: [JSONValue] = []
        if consume(UInt8(ascii: "]")) { return .array(elements) }
        repeat {
            elements.append(try value(depth: depth + 1))
        } while consume(UInt8(ascii: ","))
        try expect(UInt8(ascii: "]"), "',' or ']'")
        return .array(elements)
    }

    private mutating func number() throws(JSONError) -> JSONValue {
        let start = position
        if current == UInt8(ascii: "-") { position += 1 }
        guard let first = current, isDigit(first) else { throw error("expected a digit") }
        if first == UInt8(ascii: "0") { position += 1 } else { skipDigits() }
        var isInteger = true
        if current == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            guard let byte = current, isDigit(byte) else { throw error("expected a digit after '.'") }
            skipDigits()
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard let byte = current, isDigit(byte) else { throw error("expected a digit in the exponent") }
            skipDigits()
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        if isInteger, let integer = Int(text) { return .integer(integer) }
        guard let double = Double(text) else { throw JSONError(offset: start, message: "invalid number") }
        return .number(double)
    }

    private func isDigit(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")
    }

    private mutating func skipDigits() {
        while let byte = current, isDigit(byte) { position += 1 }
    }

    private mutating func string() throws(JSONError) -> String {
        let start = position
        position += 1
        var utf8: [UInt8] = []
        while true {
            guard let byte = current else { throw error("unterminated string") }
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                guard let text = String(validating: utf8, as: UTF8.self) else {
                    throw JSONError(offset: start, message: "string is not valid UTF-8")
                }
                return text
            case UInt8(ascii: "\\"):
                try escape(into: &utf8)
            case 0..<0x20:
                throw error("control character in string")
            default:
                utf8.append(byte)
            }
        }
    }

    private mutating func escape(into utf8: inout [UInt8]) throws(JSONError) {
        guard let byte = current else { throw error("unterminated escape") }
        position += 1
        if let replacement = Self.simpleEscape(byte) {
            utf8.append(replacement)
            return
        }
        guard byte == UInt8(ascii: "u") else { throw error("invalid escape") }
        var scalar = UInt32(try hexQuad())
        if (0xD800..<0xDC00).contains(scalar) {
            guard current == UInt8(ascii: "\\"), position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "u")
            else { throw error("unpaired surrogate") }
            position += 2
            let low = UInt32(try hexQuad())
            guard (0xDC00..<0xE000).contains(low) else { throw error("unpaired surrogate") }
            scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
        }
        guard let unicode = Unicode.Scalar(scalar) else { throw error("unpaired surrogate") }
        UTF8.encode(unicode) { utf8.append($0) }
    }

    private static func simpleEscape(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): byte
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "f"): 0x0C
        case UInt8(ascii: "n"): 0x0A
        case UInt8(ascii: "r"): 0x0D
        case UInt8(ascii: "t"): 0x09
        default: nil
        }
    }

    private mutating func hexQuad() throws(JSONError) -> UInt16 {
        guard position + 4 <= bytes.count else { throw error("unterminated \\u escape") }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("invalid hex digit in \\u escape")
            }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }
}
