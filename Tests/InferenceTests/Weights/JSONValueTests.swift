import Testing

@testable import Inference

@Suite struct JSONValueTests {
    private func parse(_ text: String) throws -> JSONValue {
        try JSONParser.parse(Array(text.utf8))
    }

    private func parseError(_ text: String) -> JSONError? {
        do {
            _ = try parse(text)
            return nil
        } catch let error as JSONError {
            return error
        } catch {
            return nil
        }
    }

    @Test func parsesNestedValuesInOrder() throws {
        let value = try parse(
            #" { "b": [1, -2, 3.5, 1e3], "a": {"x": "y\n\u00e9\ud83d\ude00"}, "t": true, "n": null } "#)
        guard case .object(let members) = value else {
            Issue.record("not an object")
            return
        }
        #expect(members.map(\.key) == ["b", "a", "t", "n"])
        guard case .array(let numbers)? = value["b"] else {
            Issue.record("b is not an array")
            return
        }
        guard case .integer(1) = numbers[0], case .integer(-2) = numbers[1], case .number(3.5) = numbers[2],
            case .number(1000) = numbers[3]
        else {
            Issue.record("numbers parsed as \(numbers)")
            return
        }
        guard case .string(let text)? = value["a"]?["x"] else {
            Issue.record("a.x is not a string")
            return
        }
        #expect(text == "y\né😀")
    }

    @Test func integerOverflowBecomesADouble() throws {
        guard case .number = try parse("99999999999999999999") else {
            Issue.record("expected a double")
            return
        }
    }

    @Test func duplicateKeysAreReportedWithTheirDepth() {
        let top = parseError(#"{"a": 1, "a": 2}"#)
        #expect(top?.duplicateKey?.key == "a")
        #expect(top?.duplicateKey?.depth == 0)
        let nested = parseError(#"{"t": {"dtype": "F32", "dtype": "F16"}}"#)
        #expect(nested?.duplicateKey?.key == "dtype")
        #expect(nested?.duplicateKey?.depth == 1)
    }

    @Test(arguments: [
        "", "{", "{\"a\"}", "{\"a\":}", "[1,]", "[1 2]", "01", "-", "1.", "1e", "\"abc", "\"\\x\"", "\"\u{01}\"",
        "\"\\ud800\"", "\"\\udc00\"", "tru", "nul", "{} x", "{'a': 1}", "[\"\\u12G4\"]",
    ])
    func rejectsMalformedInput(text: String) {
        #expect(parseError(text) != nil)
    }

    @Test func rejectsInvalidUTF8InStrings() {
        let bytes: [UInt8] = Array("\"".utf8) + [0xC3, 0x28] + Array("\"".utf8)
        #expect(throws: JSONError.self) { try JSONParser.parse(bytes) }
    }

    @Test func limitsNestingDepth() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(parseError(deep)?.message.contains("nesting") == true)
        let fine = String(repeating: "[", count: 60) + String(repeating: "]", count: 60)
        #expect(parseError(fine) == nil)
    }
}
