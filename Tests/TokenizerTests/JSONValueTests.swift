import Testing

@testable import Tokenizer

@Suite struct JSONValueTests {
    func parse(_ text: String) throws -> JSONValue { try JSONValue.parse(Array(text.utf8)) }

    @Test func parsesAllValueKinds() throws {
        let value = try parse(#" {"a": [1, -2.5e1, true, false, null], "b": {"c": "d"}, "e": {}} "#)
        #expect(value["a"] == .array([.number(1), .number(-25), .bool(true), .bool(false), .null]))
        #expect(value["b"]?["c"] == .string("d"))
        #expect(value["e"] == .object([]))
        #expect(value["missing"] == nil)
    }

    @Test func decodesEscapesIncludingSurrogatePairs() throws {
        let value = try parse(#""q\"b\\s\/n\n\t\u00e9\ud83d\ude00""#)
        #expect(value == .string("q\"b\\s/n\n\té😀"))
    }

    @Test func keepsCanonicallyEquivalentKeysApart() throws {
        let value = try parse("{\"\u{e9}\": 1, \"e\\u0301\": 2}")
        guard case .object(let members) = value else {
            Issue.record("not an object")
            return
        }
        #expect(members.count == 2)
        #expect(value["\u{e9}"] == .number(1))
        #expect(value["e\u{301}"] == .number(2))
    }

    @Test func laterDuplicateKeysWin() throws {
        #expect(try parse(#"{"a": 1, "a": 2}"#)["a"] == .number(2))
    }

    @Test(arguments: [
        #"{"a": 1,}"#, #"[1 2]"#, #""open"#, #"{"a" 1}"#, #"tru"#, #""\ud800""#, "\"a\u{1}\"", #"1 2"#, "",
    ])
    func rejectsMalformedInput(_ text: String) {
        #expect(throws: JSONParseError.self) { try parse(text) }
    }

    @Test func rejectsExcessiveNesting() {
        let deep = String(repeating: "[", count: 300) + String(repeating: "]", count: 300)
        #expect(throws: JSONParseError.self) { try parse(deep) }
    }
}
