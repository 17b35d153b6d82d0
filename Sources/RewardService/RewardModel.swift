// A servable reward model: the tokenizer and the engine loaded from one model directory, and the
// rules that join them (pair encoding, truncation to the model's limit, alpha after the forward pass).
import Foundation
import Inference
import Tokenizer

public struct EncodingOptions: Sendable, Equatable {
    /// Longest input in tokens, special tokens included; capped by the model's position table.
    public var maxLength: Int
    /// Which end of the longer text loses tokens; nil: tokenizer_config.json's `truncation_side`, as
    /// transformers' `truncation=True` uses it, else the right.
    public var truncationSide: TruncationSide?
    /// Zeros by default: both RewardModel versions were trained on one segment (DESIGN.md §2.3).
    public var typeIds: TypeIdMode

    public init(maxLength: Int = 512, truncationSide: TruncationSide? = nil, typeIds: TypeIdMode = .zeros) {
        self.maxLength = maxLength
        self.truncationSide = truncationSide
        self.typeIds = typeIds
    }
}

public enum RewardModelError: Error, CustomStringConvertible, Equatable {
    case pairTooLong(tokens: Int, limit: Int)
    case vocabularyMismatch(tokenizer: Int, model: Int)
    case nonFiniteAlpha
    /// alpha beyond ±`RewardModel.maxAlphaMagnitude`.
    case alphaOutOfRange(Double)
    /// The caller's stop condition held while the pair was being tokenized.
    case stopped

    public var description: String {
        switch self {
        case .pairTooLong(let tokens, let limit):
            "input has \(tokens) tokens, more than the model's limit of \(limit), and truncation is off"
        case .vocabularyMismatch(let tokenizer, let model):
            "tokenizer has \(tokenizer) tokens but the model's vocab_size is \(model)"
        case .nonFiniteAlpha: "alpha must be a finite number"
        case .alphaOutOfRange(let alpha): "alpha must be within ±1e30, got \(alpha)"
        case .stopped: "tokenization stopped by the caller"
        }
    }
}

/// fp32 or int8 (see `Inference.Precision`), named here so the command line need not import the engine.
public typealias Precision = Inference.Precision

public final class RewardModel: Sendable {
    public let directory: URL
    /// WordPiece for BERT-family models; byte-level BPE or Unigram where tokenizer.json says so.
    public let tokenizer: TextTokenizer
    public let engine: RewardEngine
    public let options: EncodingOptions
    /// The effective limit: the smallest of the requested max length, the model's position count and
    /// tokenizer_config.json's model_max_length.
    public let maxLength: Int
    /// The effective side: the requested one, else tokenizer_config.json's, else the right.
    public let truncationSide: TruncationSide

    /// `threads`: the cores the engine may use (OpenBLAS and the work between its products).
    /// `precision`: `.int8` quantises the encoder's linear layers at load.
    public init(
        directory: URL, options: EncodingOptions = EncodingOptions(), threads: Int = 1, precision: Precision = .fp32
    ) throws {
        // N-label classifiers load too: `scores` refuses them (one number per pair), the service's
        // classification routes read every label through `rawLogits`.
        let tokenizer = try TextTokenizer(directory: directory)
        // int8 measures its products' inputs on built-in text first (see `CalibrationText`).
        let calibration: [TokenSequence] =
            precision == .int8
            ? try CalibrationText.pairs.map { prompt, response in
                let encoding = try tokenizer.encode(
                    prompt, response, truncation: nil, typeIds: options.typeIds, stopIf: { false })
                return TokenSequence(ids: encoding.ids, typeIds: encoding.typeIds)
            } : []
        let engine = try RewardEngine(
            directory: directory, threads: threads, precision: precision, calibration: calibration)
        guard tokenizer.vocabularySize <= engine.config.vocabSize else {
            throw RewardModelError.vocabularyMismatch(
                tokenizer: tokenizer.vocabularySize, model: engine.config.vocabSize)
        }
        self.directory = directory
        self.tokenizer = tokenizer
        self.engine = engine
        self.options = options
        // tokenizer_config.json's model_max_length is the limit transformers' `truncation=True` cuts to.
        maxLength = min(options.maxLength, engine.config.maxSequenceLength, tokenizer.limits.modelMaxLength ?? .max)
        truncationSide = options.truncationSide ?? tokenizer.limits.truncationSide ?? .right
    }

    /// The pair as the model's own tokenizer frames it (`[CLS] prompt [SEP] response [SEP]` for BERT,
    /// `<s> prompt </s></s> response </s>` for RoBERTa); an empty response is absent, as in transformers. With `truncate` off, an over-long pair is an error naming its length.
    public func encode(prompt: String, response: String, truncate: Bool = true) throws -> Encoding {
        try encode(prompt: prompt, response: response, truncate: truncate, stopIf: { false })
    }

    /// `encode`, asking `shouldStop` regularly while tokenizing; `RewardModelError.stopped` once it says yes.
    public func encode(
        prompt: String, response: String, truncate: Bool, stopIf shouldStop: () -> Bool
    ) throws -> Encoding {
        let truncation = truncate ? Truncation(maxLength: maxLength, side: truncationSide) : nil
        let encoding: Encoding
        do {
            encoding = try tokenizer.encode(
                prompt, response, truncation: truncation, typeIds: options.typeIds, stopIf: shouldStop)
        } catch TokenizerError.stopped {
            throw RewardModelError.stopped
        }
        if truncate { return encoding }
        guard encoding.ids.count <= maxLength else {
            throw RewardModelError.pairTooLong(tokens: encoding.ids.count, limit: maxLength)
        }
        return encoding
    }

    /// Raw scores (no alpha) for already encoded pairs, computed as one packed batch.
    public func rawScores(_ encodings: [Encoding]) throws -> [Float] {
        try engine.scores(encodings.map { TokenSequence(ids: $0.ids, typeIds: $0.typeIds) })
    }

    /// Scores for (prompt, response, alpha) triples, batched together, in input order.
    public func scores(_ pairs: [(prompt: String, response: String, alpha: Double)]) throws -> [Double] {
        for pair in pairs { try Self.check(alpha: pair.alpha) }
        let raw = try rawScores(pairs.map { try encode(prompt: $0.prompt, response: $0.response) })
        return zip(raw, pairs).map { Self.apply(alpha: $1.alpha, to: $0) }
    }

    /// Alpha multiplies an fp32 score. Both heads end in a linear layer over tanh outputs, so raw
    /// scores are small; a bound of 1e30 keeps every product finite in fp32 (overflow would need a
    /// raw score beyond 3e8) while rejecting only values no one means. The server and the CLI share it.
    public static let maxAlphaMagnitude = 1e30

    public static func check(alpha: Double) throws(RewardModelError) {
        guard alpha.isFinite else { throw .nonFiniteAlpha }
        guard abs(alpha) <= maxAlphaMagnitude else { throw .alphaOutOfRange(alpha) }
    }

    /// alpha multiplies the head's raw output after the forward pass (DESIGN.md §2.3), in fp32 as
    /// the reference does (`score * alpha` on a float32 tensor).
    public static func apply(alpha: Double, to raw: Float) -> Double {
        Double(raw * Float(alpha))
    }
}
