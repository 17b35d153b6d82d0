// The Hugging Face model families the engine runs, and what each family's config.json says beyond BERT's
// sizes: labels and problem type, DeBERTa's relative-position settings, the head's activation. Pure data;
// `ModelConfig+Families.swift` reads it, the Inference module's per-family files compute with it.
import Foundation

/// One transformers module family (`model_type`), with the key prefix its checkpoints use.
public enum ModelFamily: String, Sendable, Equatable, CaseIterable {
    case bert
    case roberta
    case xlmRoberta = "xlm-roberta"
    case debertaV2 = "deberta-v2"
    case distilbert
    case electra

    /// The `*ForSequenceClassification` class name in `architectures`.
    public var classifierArchitecture: String {
        switch self {
        case .bert: "BertForSequenceClassification"
        case .roberta: "RobertaForSequenceClassification"
        case .xlmRoberta: "XLMRobertaForSequenceClassification"
        case .debertaV2: "DebertaV2ForSequenceClassification"
        case .distilbert: "DistilBertForSequenceClassification"
        case .electra: "ElectraForSequenceClassification"
        }
    }

    /// The base model's attribute name, the prefix of its keys in a full checkpoint (`roberta.embeddings…`).
    public var weightPrefix: String {
        switch self {
        case .bert: "bert."
        case .roberta, .xlmRoberta: "roberta."
        case .debertaV2: "deberta."
        case .distilbert: "distilbert."
        case .electra: "electra."
        }
    }

    /// Where the layers sit below the prefix.
    public var layerPath: String { self == .distilbert ? "transformer.layer." : "encoder.layer." }
}

/// How logits become probabilities (transformers' `problem_type`).
public enum ProblemType: String, Sendable, Equatable {
    case regression
    /// Softmax over the labels.
    case singleLabelClassification = "single_label_classification"
    /// A sigmoid per label.
    case multiLabelClassification = "multi_label_classification"
}

/// The classifier's outputs: one name per logit, in id order (`id2label`), and what they mean.
public struct ClassifierLabels: Sendable, Equatable {
    public var names: [String]
    public var problemType: ProblemType
    public var count: Int { names.count }

    public init(names: [String], problemType: ProblemType) {
        self.names = names
        self.problemType = problemType
    }

    /// A one-label regression head (a reward model).
    public static let reward = ClassifierLabels(names: ["LABEL_0"], problemType: .regression)
}

/// An activation a head or pooler applies (transformers' ACT2FN names; "gelu" is the erf form).
public enum Activation: String, Sendable, Equatable {
    case gelu, tanh, relu
}

/// DeBERTa-v2's disentangled attention settings (modeling_deberta_v2.py, DisentangledSelfAttention).
public struct DisentangledAttention: Sendable, Equatable {
    /// content → position: queries against relative-position keys.
    public var contentToPosition: Bool
    /// position → content: keys against relative-position queries.
    public var positionToContent: Bool
    /// Log buckets when > 0 (`position_buckets`); the relative-embedding table then has 2 × buckets rows.
    public var positionBuckets: Int
    /// `max_relative_positions`, already defaulted to `max_position_embeddings` when below 1.
    public var maxRelativePositions: Int
    /// Position projections reuse query_proj / key_proj (`share_att_key`) instead of pos_*_proj.
    public var shareAttentionKey: Bool
    /// LayerNorm on the relative embeddings (`norm_rel_ebd` contains "layer_norm").
    public var normalizeRelativeEmbeddings: Bool

    public init(
        contentToPosition: Bool, positionToContent: Bool, positionBuckets: Int, maxRelativePositions: Int,
        shareAttentionKey: Bool, normalizeRelativeEmbeddings: Bool
    ) {
        self.contentToPosition = contentToPosition
        self.positionToContent = positionToContent
        self.positionBuckets = positionBuckets
        self.maxRelativePositions = maxRelativePositions
        self.shareAttentionKey = shareAttentionKey
        self.normalizeRelativeEmbeddings = normalizeRelativeEmbeddings
    }

    /// Half the relative-embedding rows in use (`att_span` / `pos_ebd_size`).
    public var span: Int { positionBuckets > 0 ? positionBuckets : maxRelativePositions }

    /// 1 + one for each position term: scores are divided by √(head size × this).
    public var scaleFactor: Int { 1 + (contentToPosition ? 1 : 0) + (positionToContent ? 1 : 0) }

    /// The relative-embedding row for distance i − j: `build_relative_position` (log-bucketed when
    /// `position_buckets` > 0), shifted by the span and clamped into the table (`c2p_pos`, and `p2c_pos`,
    /// which coincides because buckets are odd in the distance).
    public func embeddingRow(distance: Int) -> Int {
        let bucketed = positionBuckets > 0 && maxRelativePositions > 0
        let bucket = bucketed ? Self.logBucket(distance, buckets: positionBuckets, maxPosition: maxRelativePositions) : distance
        return min(max(bucket + span, 0), 2 * span - 1)
    }

    /// `make_log_bucket_position`, in float32 as torch computes it: distances within ±buckets/2 stay,
    /// longer ones map logarithmically onto the remaining buckets up to `maxPosition`.
    static func logBucket(_ distance: Int, buckets: Int, maxPosition: Int) -> Int {
        let mid = buckets / 2
        let magnitude = distance < mid && distance > -mid ? mid - 1 : abs(distance)
        guard magnitude > mid else { return distance }
        let ratio = Foundation.log(Float(magnitude) / Float(mid)) / Foundation.log(Float(Double(maxPosition - 1) / Double(mid)))
        let logPosition = Int((ratio * Float(mid - 1)).rounded(.up)) + mid
        return distance < 0 ? -logPosition : logPosition
    }
}
