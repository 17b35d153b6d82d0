import StrictJSON
import Testing

@Suite struct JSONFieldsTests {
    private func document(_ text: String) throws -> JSONFields {
        JSONFields(try JSONValue.parse(Array(text.utf8), options: .init(duplicateKeys: .lastWins)))
    }

    private func wrongType(_ path: String, _ expected: String, _ found: JSONValue) -> JSONFieldError {
        JSONFieldError(path: path, expected: expected, problem: .wrongType(found: found))
    }

    @Test func readsEachKind() throws {
        let json = try document(#"{"s": "x", "b": false, "i": 7, "d": 2.5, "a": [1], "o": {"k": null}}"#)
        #expect(try json.required("s", .string) == "x")
        #expect(try json.required("b", .bool) == false)
        #expect(try json.required("i", .integer) == 7)
        #expect(try json.required("i", .double) == 7)
        #expect(try json.required("d", .double) == 2.5)
        #expect(try json.required("a", .array).map(\.value) == [.integer(1)])
        let members = try json.required("o", .object)
        #expect(members.map(\.key) == ["k"] && members.map(\.value.value) == [.null])
    }

    @Test func absentAndNullAreTheSame() throws {
        let json = try document(#"{"n": null}"#)
        #expect(try json.optional("n", .string) == nil)
        #expect(try json.optional("absent", .integer) == nil)
        #expect(json.member("n") == nil && json.member("absent") == nil)
        for key in ["n", "absent"] {
            #expect(throws: JSONFieldError(path: key, expected: "a string", problem: .missing)) {
                _ = try json.required(key, .string)
            }
        }
    }

    @Test func anIntegerIsAnyIntegralNumberWithinInt() throws {
        let json = try document(#"{"a": 7, "b": 7.0, "c": 7e0, "d": -0.0, "e": 1.5, "f": 1e20, "g": true, "h": "7"}"#)
        #expect(
            try ["a", "b", "c", "d"].map { key throws(JSONFieldError) in try json.required(key, .integer) } == [
                7, 7, 7, 0,
            ])
        #expect(throws: wrongType("e", "an integer", .number(1.5))) { _ = try json.required("e", .integer) }
        #expect(throws: wrongType("f", "an integer", .number(1e20))) { _ = try json.required("f", .integer) }
        #expect(throws: wrongType("g", "an integer", .bool(true))) { _ = try json.required("g", .integer) }
        #expect(throws: wrongType("h", "an integer", .string("7"))) { _ = try json.required("h", .integer) }
    }

    @Test func aSaturatingIntegerClampsOnlyIntegralNumbers() throws {
        let json = try document(#"{"big": 1e20, "small": -1e20, "max": 9223372036854775807, "half": 1.5, "t": true}"#)
        #expect(try json.required("big", .saturatingInteger) == Int.max)
        #expect(try json.required("small", .saturatingInteger) == Int.min)
        #expect(try json.required("max", .saturatingInteger) == Int.max)
        #expect(throws: wrongType("half", "an integer", .number(1.5))) {
            _ = try json.required("half", .saturatingInteger)
        }
        #expect(throws: JSONFieldError.self) { _ = try json.required("t", .saturatingInteger) }
        #expect(throws: JSONFieldError.self) { _ = try JSONFields(.number(.infinity)).read(.saturatingInteger) }
    }

    @Test func booleansAndNumbersNeverStandInForEachOther() throws {
        let json = try document(#"{"one": 1, "yes": true, "text": "true"}"#)
        #expect(throws: wrongType("one", "a boolean", .integer(1))) { _ = try json.required("one", .bool) }
        #expect(throws: wrongType("text", "a boolean", .string("true"))) { _ = try json.required("text", .bool) }
        #expect(throws: wrongType("yes", "a number", .bool(true))) { _ = try json.required("yes", .double) }
    }

    @Test func pathsNameNestedFieldsAndElements() throws {
        let json = try document(#"{"pairs": [{"prompt": "a"}, {"prompt": 1}, {"response": "b"}]}"#)
        let pairs = try json.required("pairs", .array)
        #expect(pairs.map(\.path) == ["pairs[0]", "pairs[1]", "pairs[2]"])
        #expect(throws: wrongType("pairs[1].prompt", "a string", .integer(1))) {
            _ = try pairs[1].required("prompt", .string)
        }
        #expect(throws: JSONFieldError(path: "pairs[2].prompt", expected: "a string", problem: .missing)) {
            _ = try pairs[2].required("prompt", .string)
        }
        #expect(try JSONFields(.array([.null])).read(.array).map(\.path) == ["[0]"])
        let inner = try json.required("pairs", .array)[0].required("prompt", .string)
        #expect(inner == "a")
        let members = try document(#"{"o": {"k": 1}}"#).required("o", .object)
        #expect(members.map(\.value.path) == ["o.k"])
    }

    @Test func aValueThatIsNotAnObjectHasNoMembers() throws {
        let element = JSONFields(.integer(3), path: "pairs[0]")
        #expect(element.member("prompt") == nil)
        #expect(throws: JSONFieldError(path: "pairs[0].prompt", expected: "a string", problem: .missing)) {
            _ = try element.required("prompt", .string)
        }
        #expect(throws: wrongType("pairs[0]", "an object", .integer(3))) { _ = try element.read(.object) }
    }

    @Test func repeatedKeysReadTheLastAndKeysAreExact() throws {
        let json = try document(#"{"k": 1, "k": 2, "\u00e9": "composed"}"#)
        #expect(try json.required("k", .integer) == 2)
        #expect(try json.optional("e\u{301}", .string) == nil)
        #expect(try json.required("\u{e9}", .string) == "composed")
        #expect(try json.read(.object).map(\.key) == ["k", "k", "\u{e9}"])
    }

    @Test func messagesNameTheFieldWhatWasExpectedAndWhatWasFound() throws {
        #expect(
            wrongType("pairs[1].prompt", "a string", .integer(1)).description
                == "'pairs[1].prompt' must be a string, got a number")
        #expect(wrongType("", "an object", .array([])).description == "the document must be an object, got an array")
        #expect(
            JSONFieldError(path: "a.b", expected: "a boolean", problem: .missing).description == "missing field 'a.b'")
    }
}
