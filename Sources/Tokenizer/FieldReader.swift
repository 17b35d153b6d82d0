// The tokenizer files' own field shapes (the vocabulary, added tokens, special tokens written as a
// string or as an AddedToken object) and the one way a wrongly typed field becomes a
// TokenizerError.malformedFile naming the file and the field. Typed reads themselves are StrictJSON's
// `JSONFields`; no defaults live here.

import StrictJSON

struct FieldReader {
    var path: String

    func malformed(_ reason: String) -> TokenizerError {
        .malformedFile(path: path, reason: reason)
    }

    /// "model.unk_token is not a string"; `context` goes before the field's path.
    func malformed(_ error: JSONFieldError, context: String = "") -> TokenizerError {
        switch error.problem {
        case .missing: malformed("\(context)\(error.path) is missing")
        case .wrongType: malformed("\(context)\(error.path) is not \(error.expected)")
        }
    }

    /// `read`'s result; a wrongly typed field it meets is reported as this file's `malformedFile`.
    func checkingFields<T>(_ read: () throws -> T) throws -> T {
        do {
            return try read()
        } catch let error as JSONFieldError {
            throw malformed(error)
        }
    }

    /// A special token given as a string or as an AddedToken object (`{"content": ...}`).
    func tokenContent(_ value: JSONValue, _ field: String) throws -> String {
        if case .string(let string) = value { return string }
        let content = try checkingFields { try JSONFields(value, path: field).optional("content", .string) }
        guard let content else { throw malformed("\(field) is neither a string nor an object with \"content\"") }
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
            let invalid = malformed("model.vocab[\"\(token)\"] is not a valid id")
            let number: Int
            do { number = try JSONFields(idValue).read(.integer) } catch { throw invalid }
            guard let id = Int32(exactly: number), id >= 0 else { throw invalid }
            vocabulary[ExactString(token)] = id
        }
        return vocabulary
    }

    /// An added token object as serialised by `tokenizers` and transformers; a bare string is
    /// accepted where the files allow one (lists of extra special tokens). Messages call its fields
    /// "added token id" and so on: the same object shape comes from several places in the files.
    func addedToken(_ value: JSONValue, id explicitId: Int32?, defaultSpecial: Bool = false) throws -> AddedToken {
        if case .string(let content) = value {
            return AddedToken(content: content, id: explicitId, isSpecial: defaultSpecial)
        }
        let token = JSONFields(value)
        func field<T>(_ key: String, _ type: JSONFieldType<T>) throws -> T? {
            do { return try token.optional(key, type) } catch { throw malformed(error, context: "added token ") }
        }
        guard case .object = value, let content = try field("content", .string) else {
            throw malformed("added token without \"content\"")
        }
        var id = explicitId
        if id == nil, let fileId = try field("id", .integer) {
            guard let checked = Int32(exactly: fileId), checked >= 0 else {
                throw malformed("added token id \(fileId)")
            }
            id = checked
        }
        let special = try field("special", .bool) ?? defaultSpecial
        return AddedToken(
            content: content, id: id, isSpecial: special,
            singleWord: try field("single_word", .bool) ?? false,
            leftStrip: try field("lstrip", .bool) ?? false,
            rightStrip: try field("rstrip", .bool) ?? false,
            normalized: try field("normalized", .bool))
    }
}
