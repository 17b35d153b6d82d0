// The one entry point for a model directory's tokenizer: tokenizer.json's `model.type` chooses
// BertTokenizer (WordPiece, or no tokenizer.json but a vocab.txt: the reading transformers 5 does
// for BERT checkpoints, with tokenizer_config.json on top) or PipelineTokenizer (BPE, Unigram).
// Both have the same encode API, so the service can hold "a tokenizer" without knowing which.

import Foundation
import StrictJSON

public enum TextTokenizer: Sendable {
    case wordPiece(BertTokenizer)
    case pipeline(PipelineTokenizer)

    /// Loads the tokenizer of a model directory.
    public init(directory: URL) throws {
        let url = directory.appendingPathComponent("tokenizer.json")
        guard let (path, json) = try TokenizerFiles.readJSON(url) else {
            self = .wordPiece(try BertTokenizer(directory: directory))
            return
        }
        let reader = FieldReader(path: path)
        let modelType = try reader.checkingFields { try JSONFields(json).member("model")?.optional("type", .string) }
        switch modelType {
        case "BPE", "Unigram":
            self = .pipeline(try PipelineTokenizer(directory: directory))
        default:
            // WordPiece, or an untyped model that BertTokenizer recognises (or rejects by name).
            self = .wordPiece(try BertTokenizer(directory: directory))
        }
    }

    /// One more than the largest id the tokenizer can emit: the embedding rows a model needs.
    public var vocabularySize: Int {
        switch self {
        case .wordPiece(let tokenizer): tokenizer.vocabularySize
        case .pipeline(let tokenizer): tokenizer.vocabularySize
        }
    }

    /// tokenizer_config.json's truncation settings (model_max_length, truncation_side).
    public var limits: TokenizerLimits {
        switch self {
        case .wordPiece(let tokenizer): tokenizer.limits
        case .pipeline(let tokenizer): tokenizer.limits
        }
    }

    /// See BertTokenizer.encode(_:_:truncation:typeIds:).
    public func encode(
        _ first: String, _ second: String? = nil, truncation: Truncation? = nil, typeIds: TypeIdMode = .zeros
    ) -> Encoding {
        switch self {
        case .wordPiece(let tokenizer): tokenizer.encode(first, second, truncation: truncation, typeIds: typeIds)
        case .pipeline(let tokenizer): tokenizer.encode(first, second, truncation: truncation, typeIds: typeIds)
        }
    }

    /// See BertTokenizer.encode(_:_:truncation:typeIds:stopIf:).
    public func encode(
        _ first: String, _ second: String? = nil, truncation: Truncation? = nil, typeIds: TypeIdMode = .zeros,
        stopIf shouldStop: () -> Bool
    ) throws -> Encoding {
        switch self {
        case .wordPiece(let tokenizer):
            try tokenizer.encode(first, second, truncation: truncation, typeIds: typeIds, stopIf: shouldStop)
        case .pipeline(let tokenizer):
            try tokenizer.encode(first, second, truncation: truncation, typeIds: typeIds, stopIf: shouldStop)
        }
    }

    /// The tokens of `text` without special tokens around it.
    public func tokenize(_ text: String) -> [String] {
        switch self {
        case .wordPiece(let tokenizer): tokenizer.tokenize(text)
        case .pipeline(let tokenizer): tokenizer.tokenize(text)
        }
    }
}
