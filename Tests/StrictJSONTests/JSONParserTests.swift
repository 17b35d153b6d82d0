import StrictJSON
import Testing

@Suite struct JSONParserTests {
    private func parse(
        _ text: String, duplicateKeys: JSONParseOptions.DuplicateKeys = .reject, maxDepth: Int = 64
    ) throws(JSONError) -> JSONValue {
        try JSONValue.parse(Array(text.utf8), options: .init(duplicateKeys: duplicateKeys, maxDepth: maxDepth))
    }

    private func parseError(
        _ text: String, duplicateKeys: JSONParseOptions.DuplicateKeys = .reject, maxDepth: Int = 64
    ) -> JSONError? {
        do {
            _ = try parse(text, duplicateKeys: duplicateKeys, maxDepth: maxDepth)
            return nil
        } catch {
            return error
        }
    }

    @Test func parsesAllValueKinds() throws {
        let value = try parse(#" {"a": [1, -2.5e1, true, false, null], "b": {"c": "d"}, "e": {}} "#)
        #expect(value["a"] == .array([.integer(1), .number(-25), .bool(true), .bool(false), .null]))
        #expect(value["b"]?["c"] == .string("d"))
        #expect(value["e"] == .object([]))
        #expect(value["missing"] == nil)
    }

    @Test func parsesNestedValuesInOrder() throws {
        let value = try parse(
            #" { "b": [1, -2, 3.5, 1e3], "a": {"x": "y\n\u00e9\ud83d\ude00"}, "t": true, "n": null } "#)
        guard case .object(let members) = value else {
            Issue.record("not an object")
            return
        }
        #expect(members.map(\.key) == ["b", "a", "t", "n"])
        #expect(value["b"] == .array([.integer(1), .integer(-2), .number(3.5), .number(1000)]))
        #expect(value["a"]?["x"] == .string("y\né😀"))
    }

    @Test func integerOverflowBecomesADouble() throws {
        #expect(try parse("99999999999999999999") == .number(1e20))
        #expect(try parse("-9223372036854775808") == .integer(Int.min))
    }

    @Test func integersAndOtherNumbersAreDistinct() throws {
        #expect(try parse("1") != .number(1))
        #expect(try parse("1.0") != .integer(1))
    }

    @Test func decodesEscapesIncludingSurrogatePairs() throws {
        let value = try parse(#""q\"b\\s\/n\n\t\u00e9\ud83d\ude00""#)
        #expect(value == .string("q\"b\\s/n\n\té😀"))
    }

    @Test func stringsCompareByScalarsNotCanonicalEquivalence() {
        #expect(JSONValue.string("\u{e9}") != .string("e\u{301}"))
        #expect(JSONValue.object([("\u{e9}", .null)]) != .object([("e\u{301}", .null)]))
    }

    @Test(arguments: [JSONParseOptions.DuplicateKeys.lastWins, .reject])
    func keepsCanonicallyEquivalentKeysApart(duplicateKeys: JSONParseOptions.DuplicateKeys) throws {
        let value = try parse("{\"\u{e9}\": 1, \"e\\u0301\": 2}", duplicateKeys: duplicateKeys)
        guard case .object(let members) = value else {
            Issue.record("not an object")
            return
        }
        #expect(members.count == 2)
        #expect(value["\u{e9}"] == .integer(1))
        #expect(value["e\u{301}"] == .integer(2))
    }

    @Test func laterDuplicateKeysWinWhenAllowed() throws {
        let value = try parse(#"{"a": 1, "b": 0, "a": 2}"#, duplicateKeys: .lastWins)
        #expect(value["a"] == .integer(2))
        guard case .object(let members) = value else {
            Issue.record("not an object")
            return
        }
        #expect(members.map(\.key) == ["a", "b", "a"])
    }

    @Test func duplicateKeysAreReportedWithTheirDepth() {
        let top = parseError(#"{"a": 1, "a": 2}"#)
        #expect(top?.duplicateKey?.key == "a")
        #expect(top?.duplicateKey?.depth == 0)
        #expect(top?.offset == 9)
        let nested = parseError(#"{"t": {"dtype": "F32", "dtype": "F16"}}"#)
        #expect(nested?.duplicateKey?.key == "dtype")
        #expect(nested?.duplicateKey?.depth == 1)
        let inArray = parseError(#"[{}, {"k": 1, "k": 1}]"#)
        #expect(inArray?.duplicateKey?.depth == 1)
    }

    @Test func sameKeyInDifferentObjectsIsNotADuplicate() throws {
        let value = try parse(#"{"a": {"a": 1}, "b": {"a": 2}}"#)
        #expect(value["b"]?["a"] == .integer(2))
    }

    @Test(arguments: [
        "", "{", "{\"a\"}", "{\"a\":}", "{\"a\" 1}", "{\"a\": 1,}", "[1,]", "[1 2]", "1 2", "{} x", "{'a': 1}",
        "01", "-", "1.", "1e", "+1", ".5", "NaN", "-Infinity",
        "\"abc", "\"\\x\"", "\"\u{01}\"", "\"\\ud800\"", "\"\\udc00\"", "[\"\\u12G4\"]", "tru", "nul",
    ])
    func rejectsMalformedInput(text: String) {
        #expect(parseError(text) != nil)
        #expect(parseError(text, duplicateKeys: .lastWins) != nil)
    }

    @Test func rejectsInvalidUTF8InStrings() {
        let bytes: [UInt8] = Array("\"".utf8) + [0xC3, 0x28] + Array("\"".utf8)
        #expect(throws: JSONError.self) { try JSONValue.parse(bytes, options: .init(duplicateKeys: .reject)) }
    }

    @Test func limitsNestingDepth() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(parseError(deep)?.message.contains("nesting") == true)
        let fine = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
        #expect(parseError(fine) == nil)
    }

    @Test func depthLimitIsExact() {
        func nested(_ count: Int) -> String {
            String(repeating: "[", count: count) + String(repeating: "]", count: count)
        }
        #expect(parseError(nested(256), maxDepth: 256) == nil)
        #expect(parseError(nested(257), maxDepth: 256)?.message.contains("nesting") == true)
        #expect(parseError(nested(300), duplicateKeys: .lastWins, maxDepth: 256) != nil)
        #expect(parseError(#"{"a": {"b": []}}"#, maxDepth: 3) == nil)
        #expect(parseError(#"{"a": {"b": [1]}}"#, maxDepth: 3) != nil)
    }

    @Test func limitsInputSize() throws {
        let options = JSONParseOptions(duplicateKeys: .reject, maxBytes: 8)
        let atLimit = try JSONValue.parse(Array("[1,2,34]".utf8), options: options)
        #expect(atLimit == .array([.integer(1), .integer(2), .integer(34)]))
        #expect(throws: JSONError.self) { try JSONValue.parse(Array("[1,2,345]".utf8), options: options) }
    }

    @Test func reportsWhereParsingFailed() {
        let error = parseError(#"{"a": tru}"#)
        #expect(error?.offset == 6)
        #expect(error?.description == "invalid literal at byte 6")
    }
}
