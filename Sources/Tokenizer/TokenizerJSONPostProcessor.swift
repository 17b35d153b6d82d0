// Reading tokenizer.json's `post_processor` (RobertaProcessing, BertProcessing, TemplateProcessing,
// and a Sequence of those with ByteLevel, which only trims offsets) into a PostProcessor, with the
// same typed errors as the rest of TokenizerJSON. It reads only.

import StrictJSON

extension TokenizerJSONReader {
    func postProcessor(_ json: JSONFields) throws -> PostProcessor {
        let type = try json.required("type", .string)
        switch type {
        case "RobertaProcessing", "BertProcessing":
            let classifier = try idPair(json, "cls")
            let separator = try idPair(json, "sep")
            return type == "BertProcessing"
                ? .bert(classifier: classifier, separator: separator)
                : .roberta(classifier: classifier, separator: separator)
        case "TemplateProcessing":
            return try template(json)
        case "ByteLevel":
            return .none  // only trims offsets
        case "Sequence":
            guard let steps = json.member("processors") else { throw reader.malformed("\(json.path).processors is missing") }
            let nontrivial = try steps.read(.array).filter { try $0.required("type", .string) != "ByteLevel" }
            guard nontrivial.count <= 1 else { throw unsupported(json, "more than one post-processor besides ByteLevel") }
            return try nontrivial.first.map(postProcessor) ?? .none
        default:
            throw unsupported(json, "post-processor \(type)")
        }
    }

    /// `["</s>", 2]`.
    private func idPair(_ json: JSONFields, _ key: String) throws -> Token {
        guard let pair = try json.member(key)?.read(.array), pair.count == 2 else {
            throw reader.malformed("\(json.path).\(key) is not [token, id]")
        }
        return Token(id: try tokenId(pair[1]), text: try pair[0].read(.string))
    }

    private func tokenId(_ json: JSONFields) throws -> Int32 {
        let number = try json.read(.integer)
        guard let id = Int32(exactly: number), id >= 0 else { throw reader.malformed("\(json.path) is not a valid id") }
        return id
    }

    private func template(_ json: JSONFields) throws -> PostProcessor {
        var specials: [String: [Token]] = [:]
        if let map = json.member("special_tokens") {
            for (name, entry) in try map.read(.object) {
                let ids = try entry.required("ids", .array).map(tokenId)
                let tokens = try entry.required("tokens", .array).map { try $0.read(.string) }
                guard ids.count == tokens.count, !ids.isEmpty else {
                    throw reader.malformed("\(entry.path) has \(ids.count) ids for \(tokens.count) tokens")
                }
                specials[name] = zip(ids, tokens).map { Token(id: $0, text: $1) }
            }
        }
        func pieces(_ key: String) throws -> [PostProcessor.Piece] {
            guard let list = json.member(key) else { throw reader.malformed("\(json.path).\(key) is missing") }
            return try list.read(.array).map { item in
                if let special = item.member("SpecialToken") {
                    let name = try special.required("id", .string)
                    guard let tokens = specials[name] else {
                        throw reader.malformed("\(special.path).id \"\(name)\" is not in special_tokens")
                    }
                    return .special(tokens, typeId: try typeId(special))
                }
                guard let sequence = item.member("Sequence") else {
                    throw reader.malformed("\(item.path) is neither SpecialToken nor Sequence")
                }
                let name = try sequence.required("id", .string)
                guard name == "A" || name == "B" else { throw reader.malformed("\(sequence.path).id \"\(name)\" is not A or B") }
                return .sequence(isFirst: name == "A", typeId: try typeId(sequence))
            }
        }
        return PostProcessor(single: try pieces("single"), pair: try pieces("pair"))
    }

    private func typeId(_ json: JSONFields) throws -> Int32 {
        let number = try json.optional("type_id", .integer) ?? 0
        guard let id = Int32(exactly: number), id >= 0 else { throw reader.malformed("\(json.path).type_id \(number)") }
        return id
    }
}

extension PostProcessor {
    var largestSpecialId: Int32 {
        (single + pair).compactMap { piece -> Int32? in
            if case .special(let tokens, _) = piece { tokens.map(\.id).max() } else { nil }
        }.max() ?? 0
    }
}
