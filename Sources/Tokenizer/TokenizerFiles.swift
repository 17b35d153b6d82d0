// Reads a Hugging Face model directory into a vocabulary and BertTokenizer.Options.
// Sources, as transformers 5 combines them for a BertTokenizer:
// - tokenizer.json when present (vocabulary, WordPiece settings, BertNormalizer options, added
//   tokens, [CLS]/[SEP] from the post-processor); its `truncation` and `padding` are ignored:
//   the caller decides truncation;
// - else vocab.txt (one token per line, id = line number, as `tokenizers` reads it);
// - tokenizer_config.json on top: do_lower_case / strip_accents / tokenize_chinese_chars override
//   tokenizer.json's normaliser when present (transformers 5 rebuilds the normaliser from them),
//   the named special tokens, `added_tokens_decoder` and extra special tokens. Where the config
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
    }
}

struct TokenizerFiles {
    var vocabulary: [ExactString: Int32] = [:]
    var options = BertTokenizer.Options(paddingToken: nil, maskToken: nil)

    init(directory: URL) throws {
        let tokenizerJSON = try Self.readJSON(directory.appendingPathComponent("tokenizer.json"))
        let config = try Self.readJSON(directory.appendingPathComponent("tokenizer_config.json"))
        let specialTokensMap = try Self.readJSON(directory.appendingPathComponent("special_tokens_map.json"))
        var names = SpecialTokenNames()
        if let (path, json) = tokenizerJSON {
            try readTokenizerJSON(json, path: path, names: &names)
        } else {
            let vocabURL = directory.appendingPathComponent("vocab.txt")
            guard FileManager.default.fileExists(atPath: vocabURL.path) else {
                throw TokenizerError.missingTokenizerFiles(directory: directory.path)
            }
            vocabulary = try Self.readVocabularyText(vocabURL)
        }
        if let (path, json) = config { try readTokenizerConfig(json, path: path, names: &names) }
        let mapWins = config.map { $0.json["added_tokens_decoder"] == nil } ?? true
        if let (path, json) = specialTokensMap {
            try readSpecialTokenNames(json, path: path, into: &names, overriding: mapWins)
        }
        try applySpecialTokenNames(names)
    }

    // MARK: tokenizer.json

    private mutating func readTokenizerJSON(_ json: JSONValue, path: String, names: inout SpecialTokenNames) throws {
        let reader = FieldReader(path: path)
        guard let model = json["model"], case .object = model else { throw reader.malformed("no \"model\" object") }
        let modelType = try reader.optionalString(model["type"], "model.type")
        guard modelType == "WordPiece" || (modelType == nil && model["continuing_subword_prefix"] != nil) else {
            throw TokenizerError.unsupportedTokenizer(
                "model type \(modelType ?? "unknown") (only WordPiece is supported)")
        }
        vocabulary = try reader.vocabulary(model["vocab"])
        names.unknown = try reader.optionalString(model["unk_token"], "model.unk_token")
        options.continuingSubwordPrefix =
            try reader.optionalString(model["continuing_subword_prefix"], "model.continuing_subword_prefix") ?? "##"
        options.maxInputCharactersPerWord =
            try reader.optionalInt(model["max_input_chars_per_word"], "model.max_input_chars_per_word") ?? 100
        try readNormalizer(json["normalizer"], reader: reader)
        let preTokenizer = try reader.optionalString(json["pre_tokenizer"]?["type"], "pre_tokenizer.type")
        guard preTokenizer == "BertPreTokenizer" else {
            throw TokenizerError.unsupportedTokenizer("pre-tokenizer \(preTokenizer ?? "null") (only BertPreTokenizer)")
        }
        try readPostProcessor(json["post_processor"], reader: reader, names: &names)
        if case .array(let tokens)? = json["added_tokens"] {
            options.addedTokens += try tokens.map { try reader.addedToken($0, id: nil) }
        }
    }

    private mutating func readNormalizer(_ normalizer: JSONValue?, reader: FieldReader) throws {
        let type = try reader.optionalString(normalizer?["type"], "normalizer.type")
        guard let normalizer, type == "BertNormalizer" else {
            throw TokenizerError.unsupportedTokenizer("normalizer \(type ?? "null") (only BertNormalizer)")
        }
        options.cleanText = try reader.optionalBool(normalizer["clean_text"], "normalizer.clean_text") ?? true
        options.handleChineseCharacters =
            try reader.optionalBool(normalizer["handle_chinese_chars"], "normalizer.handle_chinese_chars") ?? true
        options.stripAccents = try reader.optionalBool(normalizer["strip_accents"], "normalizer.strip_accents")
        options.lowercase = try reader.optionalBool(normalizer["lowercase"], "normalizer.lowercase") ?? true
    }

    /// [CLS] and [SEP] named by a TemplateProcessing (first and last special token of the single
    /// template) or BertProcessing post-processor.
    private func readPostProcessor(_ processor: JSONValue?, reader: FieldReader, names: inout SpecialTokenNames) throws
    {
        guard let processor, processor != .null else { return }
        switch try reader.optionalString(processor["type"], "post_processor.type") {
        case "TemplateProcessing":
            guard case .array(let single)? = processor["single"] else { return }
            let specials = single.compactMap { $0["SpecialToken"]?["id"] }.compactMap { value -> String? in
                if case .string(let name) = value { return name } else { return nil }
            }
            names.classifier = specials.first
            names.separator = specials.count > 1 ? specials.last : nil
        case "BertProcessing":
            if case .array(let cls)? = processor["cls"], case .string(let name)? = cls.first { names.classifier = name }
            if case .array(let sep)? = processor["sep"], case .string(let name)? = sep.first { names.separator = name }
        case let other:
            throw TokenizerError.unsupportedTokenizer("post-processor \(other ?? "unknown")")
        }
    }

    // MARK: tokenizer_config.json and special_tokens_map.json

    private mutating func readTokenizerConfig(_ json: JSONValue, path: String, names: inout SpecialTokenNames) throws {
        let reader = FieldReader(path: path)
        if let lowercase = try reader.optionalBool(json["do_lower_case"], "do_lower_case") {
            options.lowercase = lowercase
        }
        if let strip = json["strip_accents"] { options.stripAccents = try reader.optionalBool(strip, "strip_accents") }
        if let chinese = try reader.optionalBool(json["tokenize_chinese_chars"], "tokenize_chinese_chars") {
            options.handleChineseCharacters = chinese
        }
        try readSpecialTokenNames(json, path: path, into: &names, overriding: true)
        if case .object(let decoder)? = json["added_tokens_decoder"] {
            for (key, value) in decoder {
                guard let id = Int32(key) else {
                    throw reader.malformed("added_tokens_decoder key \"\(key)\" is not an id")
                }
                options.addedTokens.append(try reader.addedToken(value, id: id))
            }
        }
    }

    private mutating func readSpecialTokenNames(
        _ json: JSONValue, path: String, into names: inout SpecialTokenNames, overriding: Bool
    ) throws {
        let reader = FieldReader(path: path)
        try names.read(json, reader: reader, overriding: overriding)
        for key in ["additional_special_tokens", "extra_special_tokens"] {
            guard case .array(let tokens)? = json[key] else { continue }
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

    /// Repeated keys are kept and lookups take the last, as Python's json module does;
    /// FieldReader.vocabulary likewise keeps the last id of a repeated token. The default 100 MB
    /// input limit applies; WordPiece tokenizer files are a few MB.
    private static let jsonOptions = JSONParseOptions(duplicateKeys: .lastWins, maxDepth: 256)

    private static func readJSON(_ url: URL) throws -> (path: String, json: JSONValue)? {
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
