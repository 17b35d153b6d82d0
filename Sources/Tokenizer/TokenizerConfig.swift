// tokenizer_config.json next to a BPE or Unigram tokenizer.json. The tokenizer.json pipeline is
// what `tokenizers` runs (and what transformers runs for a generic fast tokenizer); transformers 5's
// RobertaTokenizer, XLMRobertaTokenizer and DebertaV2Tokenizer rebuild parts of that pipeline from
// this file's fields instead. So a field that would change the ids must agree with tokenizer.json,
// or loading fails naming it:
// - `add_prefix_space`: the ByteLevel / Metaspace prefix setting (true: always; false: ByteLevel
//   without it, Metaspace "never", or "first" for DebertaV2Tokenizer, as each class rebuilds it);
// - `do_lower_case`: whether the normaliser lower-cases;
// - `split_by_punct` true: a punctuation pre-tokeniser, which this module does not implement;
// - `cls_token` / `sep_token`: the first and last special tokens of the pair template;
// - `added_tokens_decoder`: each token (content, id, matching flags) must be one of tokenizer.json's.
// Two fields only shape truncation and are kept: `model_max_length` (the limit `truncation=True`
// uses without a max_length; transformers' 1e30 "unset" value reads as none) and `truncation_side`.
// Padding, decoding and bos/eos flags change no id of these tokenizers and are ignored.

import Foundation
import StrictJSON

/// What tokenizer_config.json says about truncation.
public struct TokenizerLimits: Sendable, Equatable {
    /// `model_max_length`: the longest encoding, special tokens included; nil when unset.
    public var modelMaxLength: Int?
    /// `truncation_side`; nil when the file does not say.
    public var truncationSide: TruncationSide?

    public init(modelMaxLength: Int? = nil, truncationSide: TruncationSide? = nil) {
        self.modelMaxLength = modelMaxLength
        self.truncationSide = truncationSide
    }

    /// transformers writes "no limit" as int(1e30); anything this large is no limit.
    static let unsetThreshold = 1e18

    /// Reads `model_max_length` and `truncation_side` of a tokenizer_config.json.
    init(_ json: JSONFields, reader: FieldReader) throws {
        switch json.value["model_max_length"] {
        case nil, .null?:
            modelMaxLength = nil
        case .integer(let length)? where length > 0:
            modelMaxLength = Double(length) >= Self.unsetThreshold ? nil : length
        case .number(let length)? where length >= Self.unsetThreshold:
            modelMaxLength = nil
        default:
            throw reader.malformed("model_max_length is not a positive integer")
        }
        switch try json.optional("truncation_side", .string) {
        case nil: truncationSide = nil
        case "right": truncationSide = .right
        case "left": truncationSide = .left
        case let other?: throw reader.malformed("truncation_side \"\(other)\" is neither \"left\" nor \"right\"")
        }
    }
}

extension PipelineTokenizer {
    /// Loads a model directory's tokenizer.json, checked against its tokenizer_config.json (when
    /// there is one) as the header above describes.
    public init(directory: URL) throws {
        var tokenizer = try PipelineTokenizer(tokenizerJSON: directory.appendingPathComponent("tokenizer.json"))
        let configURL = directory.appendingPathComponent("tokenizer_config.json")
        if let (path, json) = try TokenizerFiles.readJSON(configURL) {
            let reader = FieldReader(path: path)
            tokenizer.limits = try reader.checkingFields {
                let fields = JSONFields(json)
                try tokenizer.checkAgreement(with: fields, reader: reader)
                return try TokenizerLimits(fields, reader: reader)
            }
        }
        self = tokenizer
    }

    private func checkAgreement(with json: JSONFields, reader: FieldReader) throws {
        func refuse(_ field: String, _ value: String, _ reason: String) -> TokenizerError {
            .unsupportedTokenizer("\(reader.path): \(field) \(value) \(reason)")
        }
        if let addPrefixSpace = try json.optional("add_prefix_space", .bool) {
            // DebertaV2Tokenizer turns false into Metaspace's "first", the others into "never".
            let isDeberta = try json.optional("tokenizer_class", .string) == "DebertaV2Tokenizer"
            let agrees: Bool
            switch preTokenizer?.prefixSpaceStep {
            case .byteLevel(let byteLevel)?: agrees = byteLevel.addPrefixSpace == addPrefixSpace
            case .metaspace(let metaspace)?:
                agrees = metaspace.prependScheme == (addPrefixSpace ? .always : isDeberta ? .first : .never)
            default:
                throw refuse("add_prefix_space", "\(addPrefixSpace)", "but tokenizer.json has no ByteLevel or Metaspace pre-tokenizer")
            }
            guard agrees else {
                throw refuse("add_prefix_space", "\(addPrefixSpace)", "disagrees with tokenizer.json's pre-tokenizer")
            }
        }
        if let lowercase = try json.optional("do_lower_case", .bool) {
            let fileLowercases = normalizer?.lowercases ?? false
            guard fileLowercases == lowercase else {
                throw refuse("do_lower_case", "\(lowercase)", "disagrees with tokenizer.json's normalizer (lower-cases: \(fileLowercases))")
            }
        }
        if try json.optional("split_by_punct", .bool) == true {
            throw refuse("split_by_punct", "true", "(punctuation pre-tokenizer) is not supported")
        }
        let specials = postProcessor.pairSpecialTokens
        for (field, expected) in [("cls_token", specials.first), ("sep_token", specials.last)] {
            guard let value = json.value[field], value != .null else { continue }
            let name = try reader.tokenContent(value, field)
            guard let expected, expected.text == name else {
                throw refuse(field, "\"\(name)\"", "is not tokenizer.json's post-processor token (\(expected?.text ?? "none"))")
            }
        }
        if case .object(let decoder)? = json.value["added_tokens_decoder"] {
            for (key, value) in decoder {
                guard let id = Int32(key) else { throw reader.malformed("added_tokens_decoder key \"\(key)\" is not an id") }
                let token = try reader.addedToken(value, id: id)
                guard addedTokens.contains(where: { $0.matchesLike(token) }) else {
                    throw refuse(
                        "added_tokens_decoder", "\"\(key)\" (\"\(token.content)\")",
                        "is not an added token of tokenizer.json with the same id and flags")
                }
            }
        }
    }
}

extension AddedToken {
    /// Same content, id and the flags that decide where it matches (`special` only affects decoding).
    func matchesLike(_ other: AddedToken) -> Bool {
        ExactString(content) == ExactString(other.content) && id == other.id && singleWord == other.singleWord
            && leftStrip == other.leftStrip && rightStrip == other.rightStrip && normalized == other.normalized
    }
}

extension PreTokenizer {
    /// The ByteLevel or Metaspace step, whose prefix setting `add_prefix_space` describes.
    var prefixSpaceStep: PreTokenizer? {
        switch self {
        case .sequence(let steps): steps.lazy.compactMap(\.prefixSpaceStep).first
        case .byteLevel, .metaspace: self
        case .whitespace, .whitespaceSplit, .bert: nil
        }
    }
}

extension TextNormalizer {
    /// Whether some step lower-cases the text.
    var lowercases: Bool {
        switch self {
        case .sequence(let steps): steps.contains(where: \.lowercases)
        case .bert(let bert): bert.lowercase
        case .lowercase: true
        case .strip, .replace, .precompiled: false
        }
    }
}

extension PostProcessor {
    /// The special tokens of the pair template, in order.
    var pairSpecialTokens: [Token] {
        pair.flatMap { piece -> [Token] in
            if case .special(let tokens, _) = piece { tokens } else { [] }
        }
    }
}
