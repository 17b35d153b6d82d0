// Reads a tokenizer.json into a PipelineTokenizer: the model (BPE, Unigram, WordPiece), the
// normaliser, pre-tokeniser and post-processor (TokenizerJSONPostProcessor) it names, and the
// added tokens. A component this module does not implement is `TokenizerError.unsupportedTokenizer`
// naming its JSON path ("normalizer.normalizers[1]: normalizer NFKC"); a wrongly typed or
// inconsistent field is `malformedFile` naming the field. `decoder`, `truncation` and `padding`
// are ignored (the caller truncates).
// This file only reads and validates; the stages' behaviour lives in their own files.

import Foundation
import StrictJSON

extension PipelineTokenizer {
    /// Loads `url` (a tokenizer.json).
    public init(tokenizerJSON url: URL) throws {
        guard let (path, json) = try TokenizerFiles.readJSON(url) else {
            throw TokenizerError.unreadableFile(path: url.path, reason: "no such file")
        }
        let reader = FieldReader(path: path)
        self = try reader.checkingFields { try TokenizerJSONReader(reader: reader).tokenizer(JSONFields(json)) }
    }
}

struct TokenizerJSONReader {
    var reader: FieldReader

    func unsupported(_ fields: JSONFields, _ what: String) -> TokenizerError {
        .unsupportedTokenizer("\(fields.path): \(what)")
    }

    func tokenizer(_ json: JSONFields) throws -> PipelineTokenizer {
        guard let model = json.member("model"), case .object = model.value else {
            throw reader.malformed("no \"model\" object")
        }
        let modelType = try model.required("type", .string)
        let normalizer = try json.member("normalizer").map(normalizer)
        let preTokenizer = try json.member("pre_tokenizer").map(preTokenizer)
        let builtModel = try self.model(model, type: modelType)
        let added = try addedTokens(json.member("added_tokens"))
        let postProcessor = try json.member("post_processor").map(self.postProcessor) ?? .none
        let rawTokens = added.filter { !$0.token.normalized }
        let normalizedTokens = added.filter(\.token.normalized)
        let largest = [builtModel.largestId, added.map(\.id).max() ?? 0, postProcessor.largestSpecialId].max() ?? 0
        return PipelineTokenizer(
            vocabularySize: Int(largest) + 1, modelType: modelType, normalizer: normalizer,
            preTokenizer: preTokenizer, model: builtModel, postProcessor: postProcessor,
            rawAddedTokens: AddedTokenMatcher(rawTokens.map { (Array($0.token.content.unicodeScalars), $0.token, $0.id) }),
            normalizedAddedTokens: AddedTokenMatcher(
                normalizedTokens.map {
                    let content = Array($0.token.content.unicodeScalars)
                    return (normalizer?.normalize(content) ?? content, $0.token, $0.id)
                }),
            addedTokens: added.map(\.token))
    }

    // MARK: added tokens

    private func addedTokens(_ json: JSONFields?) throws -> [(token: AddedToken, id: Int32)] {
        guard let json else { return [] }
        return try json.read(.array).map { entry in
            let token = try reader.addedToken(entry.value, id: nil)
            guard let id = token.id else { throw reader.malformed("\(entry.path).id is missing") }
            return (token, id)
        }
    }

    // MARK: models

    private func model(_ model: JSONFields, type: String) throws -> PipelineTokenizer.Model {
        switch type {
        case "BPE": return .bpe(try bpe(model))
        case "Unigram": return .unigram(try unigram(model))
        case "WordPiece":
            let vocabulary = try reader.vocabulary(model.value["vocab"])
            return .wordPiece(
                try WordPiece(
                    vocabulary: vocabulary, unknownToken: try model.optional("unk_token", .string) ?? "[UNK]",
                    continuingSubwordPrefix: try model.optional("continuing_subword_prefix", .string) ?? "##",
                    maxInputCharactersPerWord: try model.optional("max_input_chars_per_word", .integer) ?? 100))
        default:
            throw unsupported(model, "model type \(type)")
        }
    }

    private func bpe(_ model: JSONFields) throws -> BPE {
        if model.member("dropout") != nil { throw unsupported(model, "BPE dropout (only null)") }
        let vocabulary = try reader.vocabulary(model.value["vocab"])
        var pieces: [Int32: String] = [:]
        for (token, id) in vocabulary { pieces[id] = token.value }
        let prefix = try model.optional("continuing_subword_prefix", .string)
        let merges = try bpeMerges(model.member("merges"), vocabulary: vocabulary, prefix: prefix)
        var unknown: Token?
        if let name = try model.optional("unk_token", .string) {
            guard let id = vocabulary[ExactString(name)] else { throw TokenizerError.missingTokensInVocabulary([name]) }
            unknown = Token(id: id, text: name)
        }
        return BPE(
            vocabulary: vocabulary, pieces: pieces, merges: merges, unknown: unknown,
            continuingSubwordPrefix: prefix, endOfWordSuffix: try model.optional("end_of_word_suffix", .string),
            fuseUnknown: try model.optional("fuse_unk", .bool) ?? false,
            byteFallback: try model.optional("byte_fallback", .bool) ?? false,
            ignoreMerges: try model.optional("ignore_merges", .bool) ?? false)
    }

    /// Merges as "left right" strings or [left, right] pairs; rank = position, a repeated pair
    /// keeps its later rank (as `tokenizers`' map does).
    private func bpeMerges(
        _ json: JSONFields?, vocabulary: [ExactString: Int32], prefix: String?
    ) throws -> [UInt64: BPE.Merge] {
        guard let json else { return [:] }
        var merges: [UInt64: BPE.Merge] = [:]
        for (rank, entry) in try json.read(.array).enumerated() {
            let parts: [String]
            if case .string(let text) = entry.value {
                parts = text.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            } else {
                parts = try entry.read(.array).map { try $0.read(.string) }
            }
            guard parts.count == 2, let rank32 = Int32(exactly: rank) else {
                throw reader.malformed("\(entry.path) is not a pair of tokens")
            }
            let right = prefix.map { parts[1].hasPrefix($0) ? String(parts[1].dropFirst($0.count)) : parts[1] } ?? parts[1]
            guard let leftId = vocabulary[ExactString(parts[0])], let rightId = vocabulary[ExactString(parts[1])],
                let mergedId = vocabulary[ExactString(parts[0] + right)]
            else {
                throw reader.malformed("\(entry.path) names a token that is not in model.vocab")
            }
            merges[BPE.key(leftId, rightId)] = BPE.Merge(rank: rank32, id: mergedId)
        }
        return merges
    }

    private func unigram(_ model: JSONFields) throws -> Unigram {
        guard let vocab = model.member("vocab") else { throw reader.malformed("model.vocab is missing") }
        let entries = try vocab.read(.array)
        guard !entries.isEmpty, entries.count <= Int(Int32.max) else {
            throw reader.malformed("model.vocab is empty or too large")
        }
        let pieces = try entries.map { entry -> (text: String, score: Double) in
            let pair = try entry.read(.array)
            guard pair.count == 2 else { throw reader.malformed("\(entry.path) is not [piece, score]") }
            return (try pair[0].read(.string), try pair[1].read(.double))
        }
        guard let unknownId = try model.optional("unk_id", .integer) else {
            throw unsupported(model, "Unigram without unk_id")
        }
        guard pieces.indices.contains(unknownId) else {
            throw reader.malformed("model.unk_id \(unknownId) is outside the vocabulary (\(pieces.count) pieces)")
        }
        return Unigram(
            pieces: pieces, unknownId: Int32(unknownId), byteFallback: try model.optional("byte_fallback", .bool) ?? false)
    }

    // MARK: normalizers

    private func normalizer(_ json: JSONFields) throws -> TextNormalizer {
        let type = try json.required("type", .string)
        switch type {
        case "Sequence":
            guard let steps = json.member("normalizers") else { throw reader.malformed("\(json.path).normalizers is missing") }
            return .sequence(try steps.read(.array).map(normalizer))
        case "BertNormalizer":
            let lowercase = try json.optional("lowercase", .bool) ?? true
            return .bert(
                BertNormalizer(
                    cleanText: try json.optional("clean_text", .bool) ?? true,
                    handleChineseCharacters: try json.optional("handle_chinese_chars", .bool) ?? true,
                    stripAccents: try json.optional("strip_accents", .bool) ?? lowercase, lowercase: lowercase))
        case "Strip":
            return .strip(
                left: try json.optional("strip_left", .bool) ?? true, right: try json.optional("strip_right", .bool) ?? true)
        case "Lowercase":
            return .lowercase
        case "Replace":
            return .replace(try replaceRule(json))
        case "Precompiled":
            guard let encoded = try json.optional("precompiled_charsmap", .string) else {
                return .sequence([])  // no charsmap: nothing to apply
            }
            guard let blob = Data(base64Encoded: encoded) else {
                throw reader.malformed("\(json.path).precompiled_charsmap is not base64")
            }
            do {
                return .precompiled(try PrecompiledCharsmap(blob: [UInt8](blob)))
            } catch {
                throw reader.malformed("\(json.path).precompiled_charsmap: \(error)")
            }
        default:
            throw unsupported(json, "normalizer \(type)")
        }
    }

    private func replaceRule(_ json: JSONFields) throws -> ReplaceRule {
        let content = Array(try json.required("content", .string).unicodeScalars)
        guard let pattern = json.member("pattern") else { throw reader.malformed("\(json.path).pattern is missing") }
        if let literal = try pattern.optional("String", .string) {
            guard !literal.isEmpty else { throw unsupported(pattern, "an empty Replace pattern") }
            return ReplaceRule(pattern: .literal(Array(literal.unicodeScalars)), content: content)
        }
        let regex = try pattern.required("Regex", .string)
        guard let run = Self.repeatedScalar(regex) else { throw unsupported(pattern, "regex \(regex)") }
        return ReplaceRule(pattern: .run(run.scalar, minimum: run.minimum), content: content)
    }

    /// `X{n,}` with X one scalar that is not a regex metacharacter and n ≥ 1 (e.g. `" {2,}"`).
    static func repeatedScalar(_ regex: String) -> (scalar: Unicode.Scalar, minimum: Int)? {
        let scalars = Array(regex.unicodeScalars)
        guard scalars.count >= 5, scalars[1] == "{", scalars.suffix(2).elementsEqual([",", "}"]),
            !"\\^$.|?*+()[]{}".unicodeScalars.contains(scalars[0]),
            let minimum = Int(String(scalars: scalars[2..<(scalars.count - 2)])), (1...1_000).contains(minimum)
        else { return nil }
        return (scalars[0], minimum)
    }

    // MARK: pre-tokenizers

    private func preTokenizer(_ json: JSONFields) throws -> PreTokenizer {
        let type = try json.required("type", .string)
        switch type {
        case "Sequence":
            guard let steps = json.member("pretokenizers") else {
                throw reader.malformed("\(json.path).pretokenizers is missing")
            }
            return .sequence(try steps.read(.array).map(preTokenizer))
        case "ByteLevel":
            return .byteLevel(
                ByteLevelPreTokenizer(
                    addPrefixSpace: try json.optional("add_prefix_space", .bool) ?? true,
                    useRegex: try json.optional("use_regex", .bool) ?? true))
        case "Metaspace":
            return .metaspace(try metaspace(json))
        case "Whitespace": return .whitespace
        case "WhitespaceSplit": return .whitespaceSplit
        case "BertPreTokenizer": return .bert
        default:
            throw unsupported(json, "pre-tokenizer \(type)")
        }
    }

    private func metaspace(_ json: JSONFields) throws -> Metaspace {
        let replacement = Array((try json.optional("replacement", .string) ?? "▁").unicodeScalars)
        guard replacement.count == 1 else { throw unsupported(json, "a Metaspace replacement of \(replacement.count) scalars") }
        var scheme = Metaspace.PrependScheme.always
        if let name = try json.optional("prepend_scheme", .string) {
            guard let parsed = Metaspace.PrependScheme(rawValue: name) else {
                throw reader.malformed("\(json.path).prepend_scheme \"\(name)\" is not first, always or never")
            }
            scheme = parsed
        } else if try json.optional("add_prefix_space", .bool) == false {
            scheme = .never
        }
        return Metaspace(replacement: replacement[0], prependScheme: scheme, split: try json.optional("split", .bool) ?? true)
    }
}

extension PipelineTokenizer.Model {
    var largestId: Int32 {
        switch self {
        case .bpe(let bpe): bpe.vocabulary.values.max() ?? 0
        case .unigram(let unigram): Int32(unigram.pieces.count - 1)
        case .wordPiece(let wordPiece): wordPiece.vocabulary.values.max() ?? 0
        }
    }
}
