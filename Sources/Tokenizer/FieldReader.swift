// Typed access to fields of a parsed tokenizer file, turning a wrong type into a
// TokenizerError.malformedFile that names the file and the field. No defaults live here.

import StrictJSON

struct FieldReader {
    var path: String

    func malformed(_ reason: String) -> TokenizerError {
        .malformedFile(path: path, reason: reason)
    }

    func optionalString(_ value: JSONValue?, _ field: String) throws -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let string)?: return string
        default: throw malformed("\(field) is not a string")
        }
    }

    func optionalBool(_ value: JSONValue?, _ field: String) throws -> Bool? {
        switch value {
        case nil, .null?: return nil
        case .bool(let bool)?: return bool
        default: throw malformed("\(field) is not a boolean")
        }
    }

    func optionalInt(_ value: JSONValue?, _ field: String) throws -> Int? {
        guard let value, value != .null else { return nil }
        guard let int = Self.integer(value) else { throw malformed("\(field) is not an integer") }
        return int
    }

    /// A number with an integral value. Written `7.0` or `7e0` still counts, as it always has here.
    private static func integer(_ value: JSONValue) -> Int? {
        switch value {
        case .integer(let int): int
        case .number(let number): Int(exactly: number)
        default: nil
        }
    }

    /// A special token given as a string or as an AddedToken object (`{"content": ...}`).
    func tokenContent(_ value: JSONValue, _ field: String) throws -> String {
        if case .string(let string) = value { return string }
        guard let content = try optionalString(value["content"], "\(field).content") else {
            throw malformed("\(field) is neither a string nor an object with \"content\"")
        }
        return content
    }

    /// tokenizer.json's `model.vocab`: an object of token → id (ids in Int32 range, each used once).
    func vocabulary(_ value: JSONValue?) throws -> [ExactString: Int32] {
        guard case .object(let members)? = value, !members.isEmpty else {
            throw malformed("model.vocab is not a non-empty object")
        }
        var vocabulary: [ExactString: Int32] = [:]
        vocabulary.reserveCapacity(members.count)
        for (token, idValue) in members {
            guard let number = Self.integer(idValue), let id = Int32(exactly: number), id >= 0 else {
                throw malformed("model.vocab[\"\(token)\"] is not a valid id")
            }
            vocabulary[ExactString(token)] = id
        }
        return vocabulary
    }

    /// An added token object as serialised by `tokenizers` and transformers; a bare string is
    /// accepted where the files allow one (lists of extra special tokens).
    func addedToken(_ value: JSONValue, id explicitId: Int32?, defaultSpecial: Bool = false) throws -> AddedToken {
        if case .string(let content) = value {
            return AddedToken(content: content, id: explicitId, isSpecial: defaultSpecial)
        }
        guard case .object = value, let content = try optionalString(value["content"], "added token content") else {
            throw malformed("added token without \"content\"")
        }
        var id = explicitId
        if id == nil, let fileId = try optionalInt(value["id"], "added token id") {
            guard let checked = Int32(exactly: fileId), checked >= 0 else {
                throw malformed("added token id \(fileId)")
            }
            id = checked
        }
        let special = try optionalBool(value["special"], "added token special") ?? defaultSpecial
        return AddedToken(
            content: content, id: id, isSpecial: special,
            singleWord: try optionalBool(value["single_word"], "added token single_word") ?? false,
            leftStrip: try optionalBool(value["lstrip"], "added token lstrip") ?? false,
            rightStrip: try optionalBool(value["rstrip"], "added token rstrip") ?? false,
            normalized: try optionalBool(value["normalized"], "added token normalized"))
    }
}
