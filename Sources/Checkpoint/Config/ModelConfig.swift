// Reads a Hugging Face `config.json` into the hyper-parameters the engine needs and decides
// which reward-head layout the checkpoint uses, with every size bounded (`ConfigLimits`). It never
// looks at weights; `ModelConfig.check(against:)` compares the result with a checkpoint's tensor table.
import Foundation
import StrictJSON

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
    /// The transformers module family; BERT for both reward layouts.
    public var family: ModelFamily = .bert
    /// The classifier's outputs; one regression label for a reward model.
    public var labels: ClassifierLabels = .reward
    /// Width of the embedding tables when it differs from hidden_size (ELECTRA, factorised DeBERTa).
    public var embeddingSize: Int? = nil
    /// RoBERTa's positions start at pad_token_id + 1 and skip padding ids.
    public var padTokenId: Int = 0
    /// Whether absolute position embeddings are added (DeBERTa-v3's `position_biased_input: false` has none).
    public var hasAbsolutePositions = true
    /// DistilBERT's `sinusoidal_pos_embds`: the table is fixed; used when a checkpoint omits it.
    public var sinusoidalPositions = false
    /// DeBERTa-v2's relative-position attention; nil for plain attention.
    public var disentangled: DisentangledAttention? = nil
    /// The activation between the head's two products (pooler or classifier dense).
    public var headActivation: Activation = .tanh

    public var headSize: Int { hiddenSize / headCount }
    /// The embedding tables' width.
    public var embeddingWidth: Int { embeddingSize ?? hiddenSize }
    /// Whether token type ids reach the computation (DistilBERT has none, DeBERTa with type_vocab_size 0 ignores them).
    public var hasTokenTypes: Bool { typeVocabSize > 0 && family != .distilbert }

    /// The longest sequence the position table allows: RoBERTa's positions start at pad_token_id + 1.
    public var maxSequenceLength: Int {
        switch family {
        case .roberta, .xlmRoberta: max(0, maxPositions - padTokenId - 1)
        default: maxPositions
        }
    }

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

extension ModelConfig {
    /// Reads `directory/config.json`, refusing files over `ConfigLimits.maxFileBytes` before parsing.
    public static func load(directory: URL) throws -> ModelConfig {
        let url = directory.appendingPathComponent("config.json")
        let data: Data
        do {
            let handle = try FileHandle(forReadingFrom: url)
            defer { try? handle.close() }  // Read-only: a failed close loses nothing.
            data = try handle.read(upToCount: ConfigLimits.maxFileBytes + 1) ?? Data()
        } catch {
            throw ModelConfigError.unreadable(path: url.path, reason: "\(error.localizedDescription)")
        }
        guard data.count <= ConfigLimits.maxFileBytes else {
            throw ModelConfigError.tooLarge(path: url.path, limit: ConfigLimits.maxFileBytes)
        }
        return try parse(data)
    }

    /// A repeated key takes its last value, as in transformers, which reads config.json with Python's
    /// json module: both read the same sizes from the same file, and the checkpoint comparison
    /// (`check(against:)`) still refuses sizes the weights contradict.
    static let jsonOptions = JSONParseOptions(duplicateKeys: .lastWins, maxBytes: ConfigLimits.maxFileBytes)

    public static func parse(_ data: Data) throws -> ModelConfig {
        guard data.count <= ConfigLimits.maxFileBytes else {
            throw ModelConfigError.tooLarge(path: "config.json", limit: ConfigLimits.maxFileBytes)
        }
        let json: JSONValue
        do {
            json = try JSONValue.parse([UInt8](data), options: jsonOptions)
        } catch {
            throw ModelConfigError.unreadable(path: "config.json", reason: "invalid JSON (\(error.description))")
        }
        guard case .object = json else {
            throw ModelConfigError.unreadable(path: "config.json", reason: "not a JSON object")
        }
        let fields = ConfigFields(fields: JSONFields(json))
        let layout = try detectLayout(fields)
        if layout == .sequenceClassification, let family = try detectFamily(fields), family != .bert {
            return try parse(family, fields)
        }
        var config = ModelConfig(
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
        if layout == .sequenceClassification { config.labels = try readLabels(fields) }
        return config
    }

    private static func detectLayout(_ fields: ConfigFields) throws -> HeadLayout {
        let architectures = try fields.strings("architectures") ?? []
        let modelType = try fields.optional("model_type", .string)
        if modelType == "bert-reward" || architectures.contains("RewardModel") {
            return .bertReward
        }
        let classifiers = ModelFamily.allCases.map(\.classifierArchitecture)
        guard architectures.contains(where: classifiers.contains) else {
            let found =
                architectures.isEmpty
                ? "(none; model_type \((modelType ?? "missing").abbreviated()))" : "\(architectures)".abbreviated()
            throw ModelConfigError.unsupportedArchitecture(found)
        }
        return .sequenceClassification
    }
}
