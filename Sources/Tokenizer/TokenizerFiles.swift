// Reads a Hugging Face model directory into a vocabulary and BertTokenizer.Options.
// Sources, as transformers 5 combines them for a BertTokenizer:
// - tokenizer.json when present (vocabulary, WordPiece settings, BertNormalizer options, added
//   tokens, [CLS]/[SEP] from the post-processor); its `truncation` and `padding` are ignored:
//   the caller decides truncation;
// - else vocab.txt (one token per line, id = line number, as `tokenizers` reads it);
// - tokenizer_config.json on top: do_lower_case / strip_accents / tokenize_chinese_chars override
//   tokenizer.json's normaliser when present (transformers 5 rebuilds the normaliser from them),
//   the named special tokens, `added_tokens_decoder` and extra special tokens, and the truncation
//   settings (TokenizerLimits: model_max_length, truncation_side). Where the config
//   is silent, tokenizer.json's settings stand (transformers 5 would fall back to its defaults,
//   lower-casing a cased tokenizer.json; `tokenizers` and transformers 4 keep the file's);
// - special_tokens_map.json for named special tokens (it wins over tokenizer_config.json unless
//   that has `added_tokens_decoder`, as in transformers' loader).
// This file only reads and validates; it never tokenises.

import Foundation
import StrictJSON

extension BertTokenizer {
    /// Loads the tokenizer of a model directory (see TokenizerFiles for which files count).
    public init(directory: URL) throws {
        let files = try TokenizerFiles(directory: directory)
        try self.init(ids: files.vocabulary, options: files.options)
        limits = files.limits
    }
}

struct TokenizerFiles {
    var vocabulary: [ExactString: Int32] = [:]
    var options = BertTokenizer.Options(paddingToken: nil, maskToken: nil)
    var limits = TokenizerLimits()

    init(directory: URL) throws {
        let tokenizerJSON = try Self.readJSON(directory.appendingPathComponent("tokenizer.json"))
        let config = try Self.readJSON(directory.appendingPathComponent("tokenizer_config.json"))
        let specialTokensMap = try Self.readJSON(directory.appendingPathComponent("special_tokens_map.json"))
        var names = SpecialTokenNames()
        if let (path, json) = tokenizerJSON {
            let reader = FieldReader(path: path)
            try reader.checkingFields { try readTokenizerJSON(JSONFields(json), reader: reader, names: &names) }
        } else {
            let vocabURL = directory.appendingPathComponent("vocab.txt")
            guard FileManager.default.fileExists(atPath: vocabURL.path) else {
                throw TokenizerError.missingTokenizerFiles(directory: directory.path)
            }
            vocabulary = try Self.readVocabularyText(vocabURL)
        }
        if let (path, json) = config {
            let reader = FieldReader(path: path)
            try reader.checkingFields {
                try readTokenizerConfig(JSONFields(json), reader: reader, names: &names)
                limits = try TokenizerLimits(JSONFields(json), reader: reader)
            }
        }
        let mapWins = config.map { $0.json["added_tokens_decoder"] == nil } ?? true
        if let (path, json) = specialTokensMap {
            let reader = FieldReader(path: path)
            try reader.checkingFields {
                try readSpecialTokenNames(JSONFields(json), reader: reader, into: &names, overriding: mapWins)
            }
        }
        try applySpecialTokenNames(names)
    }

    // MARK: tokenizer.json
    // Fields are read with JSONFields from the file's root, so a message's field name is its path
    // ("model.unk_token"); the caller reports a wrongly typed one as this file's malformedFile.

    private mutating func readTokenizerJSON(_ json: JSONFields, reader: FieldReader, names: inout SpecialTokenNames)
        throws
    {
        guard let model = json.member("model"), case .object = model.value else {
            throw reader.malformed("no \"model\" object")
        }
        let modelType = try model.optional("type", .string)
        guard modelType == "WordPiece" || (modelType == nil && model.value["continuing_subword_prefix"] != nil) else {
            throw TokenizerError.unsupportedTokenizer(
                "model type \(modelType ?? "unknown") (only WordPiece is supported)")
        }
        vocabulary = try reader.vocabulary(model.value["vocab"])
        names.unknown = try model.optional("unk_token", .string)
        options.continuingSubwordPrefix = try model.optional("continuing_subword_prefix", .string) ?? "##"
        options.maxInputCharactersPerWord = try model.optional("max_input_chars_per_word", .integer) ?? 100
        try readNormalizer(json.member("normalizer"))
        let preTokenizer = try json.member("pre_tokenizer")?.optional("type", .string)
        guard preTokenizer == "BertPreTokenizer" else {
            throw TokenizerError.unsupportedTokenizer("pre-tokenizer \(preTokenizer ?? "null") (only BertPreTokenizer)")
        }
        try readPostProcessor(json.member("post_processor"), names: &names)
        if case .array(let tokens)? = json.value["added_tokens"] {
            options.addedTokens += try tokens.map { try reader.addedToken($0, id: nil) }
        }
    }

    private mutating func readNormalizer(_ normalizer: JSONFields?) throws {
        let type = try normalizer?.optional("type", .string)
        guard let normalizer, type == "BertNormalizer" else {
            throw TokenizerError.unsupportedTokenizer("normalizer \(type ?? "null") (only BertNormalizer)")
        }
        options.cleanText = try normalizer.optional("clean_text", .bool) ?? true
        options.handleChineseCharacters = try normalizer.optional("handle_chinese_chars", .bool) ?? true
        options.stripAccents = try normalizer.optional("strip_accents", .bool)
        options.lowercase = try normalizer.optional("lowercase", .bool) ?? true
    }

    /// [CLS] and [SEP] named by a TemplateProcessing (first and last special token of the single
    /// template) or BertProcessing post-processor.
    private func readPostProcessor(_ processor: JSONFields?, names: inout SpecialTokenNames) throws {
        guard let processor else { return }
        switch try processor.optional("type", .string) {
        case "TemplateProcessing":
            guard case .array(let single)? = processor.value["single"] else { return }
            let specials = single.compactMap { $0["SpecialToken"]?["id"] }.compactMap { value -> String? in
                if case .string(let name) = value { return name } else { return nil }
            }
            names.classifier = specials.first
            names.separator = specials.count > 1 ? specials.last : nil
        case "BertProcessing":
            if case .array(let cls)? = processor.value["cls"], case .string(let name)? = cls.first {
                names.classifier = name
            }
            if case .array(let sep)? = processor.value["sep"], case .string(let name)? = sep.first {
                names.separator = name
            }
        case let other:
            throw TokenizerError.unsupportedTokenizer("post-processor \(other ?? "unknown")")
        }
    }

    // MARK: tokenizer_config.json and special_tokens_map.json

    private mutating func readTokenizerConfig(_ json: JSONFields, reader: FieldReader, names: inout SpecialTokenNames)
        throws
    {
        if let lowercase = try json.optional("do_lower_case", .bool) { options.lowercase = lowercase }
        // Present, even as null, it overrides tokenizer.json's normaliser.
        if json.value["strip_accents"] != nil { options.stripAccents = try json.optional("strip_accents", .bool) }
        if let chinese = try json.optional("tokenize_chinese_chars", .bool) {
            options.handleChineseCharacters = chinese
        }
        try readSpecialTokenNames(json, reader: reader, into: &names, overriding: true)
        if case .object(let decoder)? = json.value["added_tokens_decoder"] {
            for (key, value) in decoder {
                guard let id = Int32(key) else {
                    throw reader.malformed("added_tokens_decoder key \"\(key)\" is not an id")
                }
                options.addedTokens.append(try reader.addedToken(value, id: id))
            }
        }
    }

    private mutating func readSpecialTokenNames(
        _ json: JSONFields, reader: FieldReader, into names: inout SpecialTokenNames, overriding: Bool
    ) throws {
        try names.read(json.value, reader: reader, overriding: overriding)
        for key in ["additional_special_tokens", "extra_special_tokens"] {
            guard case .array(let tokens)? = json.value[key] else { continue }
            for token in tokens {
                var added = try reader.addedToken(token, id: nil, defaultSpecial: true)
                added.isSpecial = true
                options.addedTokens.append(added)
            }
        }
    }

    /// Named special tokens into the options. Unnamed padding and mask tokens default to "[PAD]" and
    /// "[MASK]" only when the vocabulary has them; every named token must exist (checked by init).
    private mutating func applySpecialTokenNames(_ names: SpecialTokenNames) throws {
        options.unknownToken = names.unknown ?? "[UNK]"
        options.classifierToken = names.classifier ?? "[CLS]"
        options.separatorToken = names.separator ?? "[SEP]"
        let known = Set(vocabulary.keys).union(options.addedTokens.map { ExactString($0.content) })
        options.paddingToken = names.padding ?? (known.contains(ExactString("[PAD]")) ? "[PAD]" : nil)
        options.maskToken = names.mask ?? (known.contains(ExactString("[MASK]")) ? "[MASK]" : nil)
        // Later sources override earlier ones: keep each content's last entry, in first-seen order.
        var latest: [ExactString: AddedToken] = [:]
        for token in options.addedTokens { latest[ExactString(token.content)] = token }
        var seen = Set<ExactString>()
        options.addedTokens = options.addedTokens.compactMap { token in
            let key = ExactString(token.content)
            return seen.insert(key).inserted ? latest[key] : nil
        }
    }

    // MARK: files

    /// Repeated keys are kept and lookups (JSONValue's subscript, JSONFields) take the last, as
    /// Python's json module does; FieldReader.vocabulary likewise keeps the last id of a repeated
    /// token. The default 100 MB input limit applies; WordPiece tokenizer files are a few MB.
    private static let jsonOptions = JSONParseOptions(duplicateKeys: .lastWins, maxDepth: 256)

    static func readJSON(_ url: URL) throws -> (path: String, json: JSONValue)? {
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        let bytes = try readBytes(url)
        do {
            return (url.path, try JSONValue.parse(bytes, options: jsonOptions))
        } catch {
            throw TokenizerError.malformedFile(path: url.path, reason: error.description)
        }
    }

    private static func readBytes(_ url: URL) throws -> [UInt8] {
        do {
            return [UInt8](try Data(contentsOf: url))
        } catch {
            throw TokenizerError.unreadableFile(path: url.path, reason: error.localizedDescription)
        }
    }

    /// vocab.txt as `tokenizers` reads it: lines split at "\n", trailing whitespace (including "\r")
    /// trimmed, id = line number, a repeated token keeps its last line's id.
    static func readVocabularyText(_ url: URL) throws -> [ExactString: Int32] {
        let bytes = try readBytes(url)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw TokenizerError.malformedFile(path: url.path, reason: "not UTF-8")
        }
        var lines = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        var vocabulary: [ExactString: Int32] = [:]
        for (index, line) in lines.enumerated() {
            var token = Substring(line).unicodeScalars
            while let last = token.last, last.properties.isWhitespace { token.removeLast() }
            vocabulary[ExactString(String(token))] = Int32(index)
        }
        guard !vocabulary.isEmpty else {
            throw TokenizerError.malformedFile(path: url.path, reason: "empty vocabulary")
        }
        return vocabulary
    }
}

/// Special-token names gathered from the files, before defaults apply.
private struct SpecialTokenNames {
    var unknown: String?
    var classifier: String?
    var separator: String?
    var padding: String?
    var mask: String?

    mutating func read(_ json: JSONValue, reader: FieldReader, overriding: Bool) throws {
        func take(_ key: String, _ slot: inout String?) throws {
            guard let value = json[key], value != .null else { return }
            let name = try reader.tokenContent(value, key)
            if overriding || slot == nil { slot = name }
        }
        try take("unk_token", &unknown)
        try take("cls_token", &classifier)
        try take("sep_token", &separator)
        try take("pad_token", &padding)
        try take("mask_token", &mask)
    }
}
