import StrictJSON
import Testing

@testable import Tokenizer

@Suite struct FieldReaderTests {
    let reader = FieldReader(path: "f.json")

    @Test func readsOptionalTypedFields() throws {
        #expect(try reader.optionalString(.string("x"), "s") == "x")
        #expect(try reader.optionalString(.null, "s") == nil)
        #expect(try reader.optionalBool(nil, "b") == nil)
        #expect(try reader.optionalInt(.integer(100), "i") == 100)
        #expect(try reader.optionalInt(.number(100), "i") == 100)
    }

    @Test func wrongTypesNameTheField() {
        #expect(throws: TokenizerError.malformedFile(path: "f.json", reason: "model.unk_token is not a string")) {
            try reader.optionalString(.number(1), "model.unk_token")
        }
        #expect(throws: TokenizerError.malformedFile(path: "f.json", reason: "n is not an integer")) {
            try reader.optionalInt(.number(1.5), "n")
        }
    }

    @Test func vocabularyIdsMustBeNonNegativeIntegers() {
        #expect(throws: TokenizerError.self) { try reader.vocabulary(.object([("a", .integer(-1))])) }
        #expect(throws: TokenizerError.self) { try reader.vocabulary(.object([("a", .integer(1 << 31))])) }
        #expect(throws: TokenizerError.self) { try reader.vocabulary(.object([("a", .number(0.5))])) }
        #expect(throws: TokenizerError.self) { try reader.vocabulary(.object([("a", .string("0"))])) }
        #expect(throws: TokenizerError.self) { try reader.vocabulary(.array([])) }
    }

    @Test func addedTokensReadFlagsAndDefaults() throws {
        let token = try reader.addedToken(
            .object([
                ("content", .string("<m>")), ("id", .integer(7)), ("lstrip", .bool(true)), ("special", .bool(true)),
            ]),
            id: nil)
        #expect(token == AddedToken(content: "<m>", id: 7, isSpecial: true, leftStrip: true))
        #expect(try reader.addedToken(.string("<x>"), id: nil, defaultSpecial: true) == AddedToken(content: "<x>"))
        #expect(try reader.tokenContent(.object([("content", .string("[CLS]"))]), "cls_token") == "[CLS]")
    }
}
