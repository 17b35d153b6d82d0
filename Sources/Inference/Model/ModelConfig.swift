// Reads a Hugging Face `config.json` into the hyper-parameters the engine needs and decides
// which reward-head layout the checkpoint uses. It never looks at weights.
import Foundation

/// The two head layouts of `nicholasKluge/RewardModel` (DESIGN.md §2.1, §2.2).
public enum HeadLayout: String, Sendable, Equatable {
    /// v1 `bert-reward`: [CLS] vector → cls_layer1 → ReLU → ff1 → Tanh → ff2.
    case bertReward = "bert-reward"
    /// v2 `BertForSequenceClassification` with one label: pooler (dense + tanh) → classifier.
    case sequenceClassification = "bert-sequence-classification"
}

public struct ModelConfig: Sendable, Equatable {
    public var layout: HeadLayout
    public var vocabSize: Int
    public var hiddenSize: Int
    public var layerCount: Int
    public var headCount: Int
    public var intermediateSize: Int
    public var maxPositions: Int
    public var typeVocabSize: Int
    public var layerNormEps: Float
    /// Width of v1's `cls_layer1`/`ff1`; unused by v2.
    public var rewardHiddenSize: Int

    public var headSize: Int { hiddenSize / headCount }

    public init(
        layout: HeadLayout, vocabSize: Int, hiddenSize: Int, layerCount: Int, headCount: Int,
        intermediateSize: Int, maxPositions: Int = 512, typeVocabSize: Int = 2, layerNormEps: Float = 1e-12,
        rewardHiddenSize: Int = 128
    ) {
        self.layout = layout
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.intermediateSize = intermediateSize
        self.maxPositions = maxPositions
        self.typeVocabSize = typeVocabSize
        self.layerNormEps = layerNormEps
        self.rewardHiddenSize = rewardHiddenSize
    }
}

public enum ModelConfigError: Error, CustomStringConvertible, Equatable {
    case unreadable(path: String, reason: String)
    case missingField(String)
    case invalidField(String, reason: String)
    case unsupportedArchitecture(String)
    case unsupportedLabelCount(Int)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
        case .missingField(let name): "config.json: missing field '\(name)'"
        case .invalidField(let name, let reason): "config.json: field '\(name)' \(reason)"
        case .unsupportedArchitecture(let name):
            "config.json: unsupported architecture \(name); expected RewardModel (model_type bert-reward) "
                + "or BertForSequenceClassification with one label"
        case .unsupportedLabelCount(let count):
            "config.json: BertForSequenceClassification has \(count) labels; a reward model has exactly one"
        }
    }
}

extension ModelConfig {
    public static func load(directory: URL) throws -> ModelConfig {
        let url = directory.appendingPathComponent("config.json")
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw ModelConfigError.unreadable(path: url.path, reason: "\(error.localizedDescription)")
        }
        return try parse(data)
    }

    public static func parse(_ data: Data) throws -> ModelConfig {
        let parsed: Any
        do {
            parsed = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw ModelConfigError.unreadable(
                path: "config.json", reason: "invalid JSON (\(error.localizedDescription))")
        }
        guard let json = parsed as? [String: Any] else {
            throw ModelConfigError.unreadable(path: "config.json", reason: "not a JSON object")
        }
        let fields = ConfigFields(json)
        let layout = try detectLayout(fields)
        let config = ModelConfig(
            layout: layout,
            vocabSize: try fields.positiveInt("vocab_size"),
            hiddenSize: try fields.positiveInt("hidden_size"),
            layerCount: try fields.positiveInt("num_hidden_layers"),
            headCount: try fields.positiveInt("num_attention_heads"),
            intermediateSize: try fields.positiveInt("intermediate_size"),
            maxPositions: try fields.positiveInt("max_position_embeddings", default: 512),
            typeVocabSize: try fields.positiveInt("type_vocab_size", default: 2),
            layerNormEps: Float(try fields.positiveDouble("layer_norm_eps", default: 1e-12)),
            rewardHiddenSize: layout == .bertReward ? try fields.positiveInt("linear_layer", default: 128) : 128
        )
        try fields.require("hidden_act", oneOf: ["gelu"], default: "gelu")
        try fields.require("position_embedding_type", oneOf: ["absolute"], default: "absolute")
        if layout == .bertReward {
            let outputs = try fields.positiveInt("linear_layer_output", default: 1)
            guard outputs == 1 else { throw ModelConfigError.unsupportedLabelCount(outputs) }
        }
        guard config.hiddenSize % config.headCount == 0 else {
            throw ModelConfigError.invalidField(
                "num_attention_heads",
                reason: "(\(config.headCount)) does not divide hidden_size (\(config.hiddenSize))")
        }
        return config
    }

    private static func detectLayout(_ fields: ConfigFields) throws -> HeadLayout {
        let architectures = fields.json["architectures"] as? [String] ?? []
        let modelType = fields.json["model_type"] as? String
        if modelType == "bert-reward" || architectures.contains("RewardModel") {
            return .bertReward
        }
        guard architectures.contains("BertForSequenceClassification") else {
            let found = architectures.isEmpty ? "(none; model_type \(modelType ?? "missing"))" : "\(architectures)"
            throw ModelConfigError.unsupportedArchitecture(found)
        }
        // transformers' PretrainedConfig defaults to two labels when neither field says otherwise.
        let labels = (fields.json["id2label"] as? [String: Any])?.count ?? (fields.json["num_labels"] as? Int) ?? 2
        guard labels == 1 else { throw ModelConfigError.unsupportedLabelCount(labels) }
        return .sequenceClassification
    }
}

/// Typed access to the loosely typed JSON object, with errors that name the field.
private struct ConfigFields {
    let json: [String: Any]
    init(_ json: [String: Any]) { self.json = json }

    func positiveInt(_ name: String, default fallback: Int? = nil) throws -> Int {
        guard let raw = json[name], !(raw is NSNull) else {
            guard let fallback else { throw ModelConfigError.missingField(name) }
            return fallback
        }
        guard let number = raw as? NSNumber, number.doubleValue == number.doubleValue.rounded(),
            number.intValue > 0, number.intValue <= 1 << 24
        else {
            throw ModelConfigError.invalidField(name, reason: "must be a positive integer, found \(raw)")
        }
        return number.intValue
    }

    func positiveDouble(_ name: String, default fallback: Double) throws -> Double {
        guard let raw = json[name], !(raw is NSNull) else { return fallback }
        guard let number = raw as? NSNumber, number.doubleValue.isFinite, number.doubleValue > 0 else {
            throw ModelConfigError.invalidField(name, reason: "must be a positive number, found \(raw)")
        }
        return number.doubleValue
    }

    func require(_ name: String, oneOf allowed: [String], default fallback: String) throws {
        let value = json[name] as? String ?? fallback
        guard allowed.contains(value) else {
            throw ModelConfigError.invalidField(
                name, reason: "is '\(value)'; supported: \(allowed.joined(separator: ", "))")
        }
    }
}
