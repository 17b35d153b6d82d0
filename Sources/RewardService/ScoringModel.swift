// What the service needs from a model: pair encoding, raw scores for a packed batch, and facts for
// /info. `RewardModel` is the real one; tests substitute fakes so every path runs without weights.
import Foundation
import Inference
import Tokenizer

/// Facts about the loaded model, for `/info` and the metrics' build info.
public struct ModelDescription: Sendable, Equatable, Codable {
    /// Where the model was loaded from.
    public var path: String
    /// `bert-reward` (v1 head) or `bert-sequence-classification` (v2 head).
    public var layout: String
    public var hiddenSize: Int
    public var layers: Int
    /// Longest input in tokens, special tokens included.
    public var maxInputLength: Int
    /// How the encoder's linear layers compute: `fp32` or `int8` (`--precision`); absent for models
    /// that do not say.
    public var precision: String?
    /// The head's outputs in id order (`id2label`); nil for a model that does not say (one output).
    public var labels: [String]?
    /// transformers' `problem_type` (`single_label_classification`, `multi_label_classification`,
    /// `regression`); nil when `labels` is.
    public var problemType: String?

    public init(
        path: String, layout: String, hiddenSize: Int, layers: Int, maxInputLength: Int, precision: String? = nil,
        labels: [String]? = nil, problemType: String? = nil
    ) {
        self.path = path
        self.layout = layout
        self.hiddenSize = hiddenSize
        self.layers = layers
        self.maxInputLength = maxInputLength
        self.precision = precision
        self.labels = labels
        self.problemType = problemType
    }

    /// Outputs per pair: 1 for a reward model, N for an N-label classifier.
    public var labelCount: Int { labels?.count ?? 1 }

    enum CodingKeys: String, CodingKey {
        case path, layout
        case hiddenSize = "hidden_size"
        case layers
        case maxInputLength = "max_input_length"
        case precision
        case labels
        case problemType = "problem_type"
    }
}

public protocol ScoringModel: Sendable {
    var modelDescription: ModelDescription { get }
    /// The pair as the engine will see it; throws `RewardModelError.pairTooLong` when `truncate` is
    /// off and the pair does not fit.
    /// `shouldStop` is asked regularly while a long text is tokenized; once it says yes, encoding
    /// throws `RewardModelError.stopped`.
    func encode(prompt: String, response: String, truncate: Bool, stopIf shouldStop: () -> Bool) throws -> Encoding
    /// Raw head outputs (no alpha), one per encoding, in order.
    func rawScores(_ encodings: [Encoding]) throws -> [Float]
    /// Every label's raw logit (no alpha) per encoding, `modelDescription.labelCount` each, in order.
    func rawLogits(_ encodings: [Encoding]) throws -> [[Float]]
    /// Real tokens per second of a full forward pass the model already ran while loading (an int8
    /// engine's calibration pass), or nil; start-up's warm-up then has nothing left to measure.
    var tokensPerSecondMeasuredAtLoad: Double? { get }
}

extension ScoringModel {
    public var tokensPerSecondMeasuredAtLoad: Double? { nil }

    /// A one-output model's logits are its scores.
    public func rawLogits(_ encodings: [Encoding]) throws -> [[Float]] {
        try rawScores(encodings).map { [$0] }
    }
}

extension RewardModel: ScoringModel {
    public var tokensPerSecondMeasuredAtLoad: Double? {
        engine.calibrationPass.map { Double($0.tokens) / max($0.duration.seconds, 1e-6) }
    }

    public var modelDescription: ModelDescription {
        ModelDescription(
            path: directory.path, layout: engine.config.layout.rawValue, hiddenSize: engine.config.hiddenSize,
            layers: engine.config.layerCount, maxInputLength: maxLength, precision: engine.precision.rawValue,
            labels: engine.labels.names, problemType: engine.labels.problemType.rawValue)
    }

    /// One-label models keep the scoring path they always had; classifiers return every logit.
    public func rawLogits(_ encodings: [Encoding]) throws -> [[Float]] {
        guard engine.labels.count != 1 else { return try rawScores(encodings).map { [$0] } }
        return try engine.logits(encodings.map { TokenSequence(ids: $0.ids, typeIds: $0.typeIds) })
    }
}
