// Reads the config.json of the non-BERT classifier families (RoBERTa, XLM-R, DeBERTa-v2, DistilBERT,
// ELECTRA) and the labels of every classifier. Each family's defaults are transformers' (the
// Configuration classes of 5.24); a field that would change the computation in a way the engine does
// not implement is refused naming the field, never ignored.
import Foundation
import StrictJSON

extension ModelConfig {
    /// The family named by `architectures`, or nil when none of the classifier classes is listed.
    static func detectFamily(_ fields: ConfigFields) throws(ModelConfigError) -> ModelFamily? {
        let architectures = try fields.strings("architectures") ?? []
        return ModelFamily.allCases.first { architectures.contains($0.classifierArchitecture) }
    }

    static func parse(_ family: ModelFamily, _ f: ConfigFields) throws(ModelConfigError) -> ModelConfig {
        let distil = family == .distilbert
        let hidden = try f.positiveInt(distil ? "dim" : "hidden_size")
        var config = ModelConfig(
            layout: .sequenceClassification,
            vocabSize: try f.positiveInt("vocab_size"),
            hiddenSize: hidden,
            layerCount: try f.positiveInt(distil ? "n_layers" : "num_hidden_layers"),
            headCount: try f.positiveInt(distil ? "n_heads" : "num_attention_heads"),
            intermediateSize: try f.positiveInt(distil ? "hidden_dim" : "intermediate_size"),
            maxPositions: try f.positiveInt("max_position_embeddings", default: 512),
            typeVocabSize: try typeVocabSize(family, f),
            // DistilBERT's LayerNorms are built with eps 1e-12 whatever the config says.
            layerNormEps: distil ? 1e-12 : Float(try f.positiveDouble("layer_norm_eps", default: defaultEps(family))),
            rewardHiddenSize: 128)
        config.family = family
        config.labels = try readLabels(f)
        config.padTokenId = try f.optional("pad_token_id", .integer) ?? (family == .roberta || family == .xlmRoberta ? 1 : 0)
        guard config.hiddenSize % config.headCount == 0 else {
            throw .invalidField(
                distil ? "n_heads" : "num_attention_heads",
                reason: "(\(config.headCount)) does not divide the hidden size (\(hidden))")
        }
        try f.require(distil ? "activation" : "hidden_act", oneOf: ["gelu"], default: "gelu")
        try f.require("position_embedding_type", oneOf: ["absolute"], default: "absolute")
        try refuseTrue("is_decoder", f)
        switch family {
        case .bert: break
        case .roberta, .xlmRoberta:
            guard config.padTokenId >= 0, config.maxSequenceLength > 0 else {
                throw .invalidField(
                    "pad_token_id", reason: "(\(config.padTokenId)) leaves no positions below max_position_embeddings")
            }
        case .electra:
            config.headActivation = .gelu
            config.embeddingSize = try f.positiveInt("embedding_size", default: hidden)
        case .distilbert:
            config.headActivation = .relu
            config.sinusoidalPositions = try f.optional("sinusoidal_pos_embds", .bool) ?? false
        case .debertaV2:
            try readDeberta(&config, f)
        }
        return config
    }

    /// DeBERTa-v2/v3: relative attention, optional absolute positions and token types, the context pooler.
    private static func readDeberta(_ config: inout ModelConfig, _ f: ConfigFields) throws(ModelConfigError) {
        config.embeddingSize = try f.positiveInt("embedding_size", default: config.hiddenSize)
        config.hasAbsolutePositions = try f.optional("position_biased_input", .bool) ?? true
        let pooler = try f.positiveInt("pooler_hidden_size", default: config.hiddenSize)
        guard pooler == config.hiddenSize else {
            throw .invalidField("pooler_hidden_size", reason: "(\(pooler)) differs from hidden_size; not supported")
        }
        config.headActivation = try activation("pooler_hidden_act", f, default: .gelu)
        if let kernel = try f.optional("conv_kernel_size", .integer), kernel > 0 {
            throw .invalidField("conv_kernel_size", reason: "is \(kernel); the convolution layer is not supported")
        }
        if let size = try f.optional("attention_head_size", .integer), size != config.headSize {
            throw .invalidField("attention_head_size", reason: "is \(size); only hidden_size / heads is supported")
        }
        guard try f.optional("relative_attention", .bool) ?? false else { return }
        let types = try positionAttentionTypes(f)
        let buckets = try f.optional("position_buckets", .integer) ?? -1
        let maxRelative = try f.optional("max_relative_positions", .integer) ?? -1
        // Bounded like every size: the relative-embedding table has 2 × span rows.
        guard buckets <= 1 << 14 else {
            throw .exceedsLimit(field: "position_buckets", value: "\(buckets)", limit: 1 << 14)
        }
        guard maxRelative <= 1 << 16 else {
            throw .exceedsLimit(field: "max_relative_positions", value: "\(maxRelative)", limit: 1 << 16)
        }
        let norms = (try f.optional("norm_rel_ebd", .string) ?? "none").lowercased().split(separator: "|").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        if let other = norms.first(where: { $0 != "none" && $0 != "layer_norm" }) {
            throw .invalidField("norm_rel_ebd", reason: "contains '\(other.abbreviated())'; supported: none, layer_norm")
        }
        config.disentangled = DisentangledAttention(
            contentToPosition: types.contains("c2p"), positionToContent: types.contains("p2c"),
            positionBuckets: buckets, maxRelativePositions: maxRelative < 1 ? config.maxPositions : maxRelative,
            shareAttentionKey: try f.optional("share_att_key", .bool) ?? false,
            normalizeRelativeEmbeddings: norms.contains("layer_norm"))
    }

    /// `pos_att_type`, a list or a "|"-separated string; only c2p and p2c exist in DeBERTa-v2.
    private static func positionAttentionTypes(_ f: ConfigFields) throws(ModelConfigError) -> [String] {
        let listed: [String]
        if case .string(let text)? = f.fields.member("pos_att_type")?.value {
            listed = text.lowercased().split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        } else {
            listed = (try f.strings("pos_att_type") ?? []).map { $0.lowercased() }
        }
        if let other = listed.first(where: { $0 != "c2p" && $0 != "p2c" }) {
            throw .invalidField("pos_att_type", reason: "contains '\(other.abbreviated())'; supported: c2p, p2c")
        }
        return listed
    }

    private static func typeVocabSize(_ family: ModelFamily, _ f: ConfigFields) throws(ModelConfigError) -> Int {
        switch family {
        case .distilbert: return 0
        case .debertaV2:
            // 0 (the DeBERTa default) means no token-type table; type ids are then ignored, as in transformers.
            guard try f.optional("type_vocab_size", .integer) ?? 0 != 0 else { return 0 }
            return try f.positiveInt("type_vocab_size")
        default: return try f.positiveInt("type_vocab_size", default: 2)
        }
    }

    private static func defaultEps(_ family: ModelFamily) -> Double {
        switch family {
        case .debertaV2: 1e-7
        case .roberta, .xlmRoberta: 1e-5
        default: 1e-12
        }
    }

    private static func activation(
        _ name: String, _ f: ConfigFields, default fallback: Activation
    ) throws(ModelConfigError) -> Activation {
        let value = try f.optional(name, .string) ?? fallback.rawValue
        guard let activation = Activation(rawValue: value) else {
            throw .invalidField(name, reason: "is '\(value.abbreviated())'; supported: gelu, tanh, relu")
        }
        return activation
    }

    private static func refuseTrue(_ name: String, _ f: ConfigFields) throws(ModelConfigError) {
        if try f.optional(name, .bool) == true {
            throw .invalidField(name, reason: "is true; only encoder (bidirectional) models are supported")
        }
    }

    /// `id2label` (keys "0" … "N-1"), else `num_labels` (transformers' default: 2), and `problem_type`,
    /// defaulting as transformers' loss does: regression for one label, softmax classes otherwise.
    static func readLabels(_ f: ConfigFields) throws(ModelConfigError) -> ClassifierLabels {
        let listed = try f.keyCount("id2label")
        let stated = try f.optional("num_labels", .integer)
        let count = listed ?? stated ?? 2
        guard count > 0 else { throw .invalidField(listed == nil ? "num_labels" : "id2label", reason: "has no labels") }
        guard count <= ConfigLimits.maxLabels else {
            throw .exceedsLimit(
                field: listed == nil ? "num_labels" : "id2label", value: "\(count) labels", limit: ConfigLimits.maxLabels)
        }
        if let stated, stated != count {
            throw .invalidField("num_labels", reason: "is \(stated) but id2label has \(count) labels")
        }
        var names = (0..<count).map { "LABEL_\($0)" }
        for (key, value) in try f.optional("id2label", .object) ?? [] {
            guard let index = Int(key), index >= 0, index < count, String(index) == key else {
                throw .invalidField("id2label", reason: "has key '\(key.abbreviated())'; keys must be 0 … \(count - 1)")
            }
            names[index] = try ConfigFields(fields: value).read(.string)
        }
        let defaultType: ProblemType = count == 1 ? .regression : .singleLabelClassification
        let typeName = try f.optional("problem_type", .string) ?? defaultType.rawValue
        guard let problemType = ProblemType(rawValue: typeName) else {
            throw .invalidField(
                "problem_type",
                reason: "is '\(typeName.abbreviated())'; supported: regression, single_label_classification, "
                    + "multi_label_classification")
        }
        return ClassifierLabels(names: names, problemType: problemType)
    }
}
