import StrictJSON
import Testing

@testable import Tokenizer

@Suite struct FieldReaderTests {
    let reader = FieldReader(path: "f.json")

    private func malformed(_ reason: String) -> TokenizerError { .malformedFile(path: "f.json", reason: reason) }

    @Test func wrongTypesNameTheFieldByItsPath() {
        let file = JSONFields(.object([("model", .object([("unk_token", .integer(1))])), ("n", .number(1.5))]))
        #expect(throws: malformed("model.unk_token is not a string")) {
            try reader.checkingFields { try file.member("model")?.optional("unk_token", .string) }
        }
        #expect(throws: malformed("n is not an integer")) {
            try reader.checkingFields { try file.optional("n", .integer) }
        }
    }

    @Test func addedTokenFieldsAreNamedAfterTheToken() {
        #expect(throws: malformed("added token lstrip is not a boolean")) {
            try reader.addedToken(.object([("content", .string("x")), ("lstrip", .integer(1))]), id: nil)
        }
        #expect(throws: malformed("added token id is not an integer")) {
            try reader.addedToken(.object([("content", .string("x")), ("id", .number(1.5))]), id: nil)
        }
        #expect(throws: malformed("added token content is not a string")) {
            try reader.addedToken(.object([("content", .integer(1))]), id: nil)
        }
        #expect(throws: malformed("added token id -1")) {
            try reader.addedToken(.object([("content", .string("x")), ("id", .integer(-1))]), id: nil)
        }
        #expect(throws: malformed("cls_token.content is not a string")) {
            try reader.tokenContent(.object([("content", .integer(1))]), "cls_token")
        }
        #expect(throws: malformed("cls_token is neither a string nor an object with \"content\"")) {
            try reader.tokenContent(.integer(1), "cls_token")
        }
    }

    @Test func integralNumbersCountAsIds() throws {
        #expect(try reader.vocabulary(.object([("a", .number(100))])) == [ExactString("a"): 100])
        #expect(try reader.addedToken(.object([("content", .string("x")), ("id", .number(7))]), id: nil).id == 7)
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
