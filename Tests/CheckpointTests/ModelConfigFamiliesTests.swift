import Foundation
import Testing

@testable import Checkpoint

/// A config.json of `architecture` with tiny sizes, `fields` added or replaced (NSNull removes).
private func config(_ architecture: String, _ fields: [String: Any] = [:]) throws -> ModelConfig {
    var base: [String: Any] = [
        "architectures": [architecture], "vocab_size": 100, "hidden_size": 32, "num_hidden_layers": 2,
        "num_attention_heads": 4, "intermediate_size": 64, "max_position_embeddings": 130, "id2label": ["0": "R"],
    ]
    if architecture.hasPrefix("DistilBert") {
        base = [
            "architectures": [architecture], "vocab_size": 100, "dim": 32, "n_layers": 2, "n_heads": 4,
            "hidden_dim": 64, "max_position_embeddings": 128, "id2label": ["0": "R"],
        ]
    }
    for (key, value) in fields { base[key] = value is NSNull ? nil : value }
    return try ModelConfig.parse(JSONSerialization.data(withJSONObject: base))
}

/// The field an `invalidField` error names, or nil for any other outcome.
private func refusedField(_ body: () throws -> ModelConfig) -> String? {
    do {
        _ = try body()
        return nil
    } catch let error as ModelConfigError {
        if case .invalidField(let name, _) = error { return name }
        if case .exceedsLimit(let name, _, _) = error { return name }
        return nil
    } catch {
        return nil
    }
}

/// The settings of OpenAssistant's reward-model-deberta-v3 configs.
private var debertaV3: [String: Any] {
    [
    "relative_attention": true, "pos_att_type": ["p2c", "c2p"], "position_buckets": 256,
    "max_relative_positions": -1, "norm_rel_ebd": "layer_norm", "share_att_key": true, "position_biased_input": false,
        "type_vocab_size": 0, "max_position_embeddings": 512,
    ]
}

@Test func everyClassifierArchitectureNamesItsFamily() throws {
    for family in ModelFamily.allCases {
        #expect(try config(family.classifierArchitecture).family == family)
    }
}

@Test func robertaPositionsStartAfterThePaddingId() throws {
    let c = try config("RobertaForSequenceClassification", ["pad_token_id": 1, "type_vocab_size": 1])
    #expect(c.maxSequenceLength == 128)
    #expect(c.layerNormEps == 1e-5)
    #expect(c.headActivation == .tanh)
    #expect(refusedField { try config("XLMRobertaForSequenceClassification", ["pad_token_id": 129]) } == "pad_token_id")
}

@Test func debertaV3SettingsAreRead() throws {
    let c = try config("DebertaV2ForSequenceClassification", debertaV3)
    let settings = try #require(c.disentangled)
    #expect(settings.contentToPosition && settings.positionToContent && settings.shareAttentionKey)
    #expect(settings.span == 256 && settings.maxRelativePositions == 512 && settings.scaleFactor == 3)
    #expect(settings.normalizeRelativeEmbeddings)
    #expect(!c.hasAbsolutePositions && !c.hasTokenTypes)
    #expect(c.headActivation == .gelu && c.layerNormEps == 1e-7)
    let legacy = try config("DebertaV2ForSequenceClassification", ["relative_attention": true, "pos_att_type": "c2p|p2c"])
    #expect(legacy.disentangled?.positionToContent == true && legacy.disentangled?.span == 130)
}

@Test func electraAndDistilBertHeadsAndWidths() throws {
    let electra = try config("ElectraForSequenceClassification", ["embedding_size": 16])
    #expect(electra.embeddingWidth == 16 && electra.headActivation == .gelu)
    let distil = try config("DistilBertForSequenceClassification", ["sinusoidal_pos_embds": true])
    #expect(distil.hiddenSize == 32 && distil.intermediateSize == 64 && distil.layerCount == 2)
    #expect(distil.sinusoidalPositions && !distil.hasTokenTypes && distil.headActivation == .relu)
}

@Test func labelsAndProblemTypeAreRead() throws {
    let three = try config(
        "RobertaForSequenceClassification", ["id2label": ["0": "neg", "2": "pos", "1": "neu"]])
    #expect(three.labels == ClassifierLabels(names: ["neg", "neu", "pos"], problemType: .singleLabelClassification))
    let multi = try config(
        "ElectraForSequenceClassification",
        ["id2label": NSNull(), "num_labels": 3, "problem_type": "multi_label_classification"])
    #expect(multi.labels.names == ["LABEL_0", "LABEL_1", "LABEL_2"])
    #expect(multi.labels.problemType == .multiLabelClassification)
    #expect(try config("DistilBertForSequenceClassification").labels.problemType == .regression)
}

@Test func unsupportedComputationIsRefusedNamingTheField() {
    let deberta = "DebertaV2ForSequenceClassification"
    let cases: [(String, [String: Any], String)] = [
        (deberta, debertaV3.merging(["conv_kernel_size": 3]) { $1 }, "conv_kernel_size"),
        (deberta, debertaV3.merging(["pos_att_type": ["c2p", "p2p"]]) { $1 }, "pos_att_type"),
        (deberta, debertaV3.merging(["norm_rel_ebd": "batch_norm"]) { $1 }, "norm_rel_ebd"),
        (deberta, debertaV3.merging(["pooler_hidden_size": 64]) { $1 }, "pooler_hidden_size"),
        (deberta, debertaV3.merging(["pooler_hidden_act": "swish"]) { $1 }, "pooler_hidden_act"),
        (deberta, debertaV3.merging(["attention_head_size": 16]) { $1 }, "attention_head_size"),
        (deberta, debertaV3.merging(["position_buckets": 1 << 20]) { $1 }, "position_buckets"),
        (deberta, debertaV3.merging(["max_relative_positions": 1 << 20]) { $1 }, "max_relative_positions"),
        ("RobertaForSequenceClassification", ["hidden_act": "gelu_new"], "hidden_act"),
        ("RobertaForSequenceClassification", ["position_embedding_type": "relative_key"], "position_embedding_type"),
        ("ElectraForSequenceClassification", ["is_decoder": true], "is_decoder"),
        ("DistilBertForSequenceClassification", ["activation": "relu"], "activation"),
        ("DistilBertForSequenceClassification", ["n_heads": 5], "n_heads"),
        ("ElectraForSequenceClassification", ["embedding_size": 1 << 20], "embedding_size"),
        ("RobertaForSequenceClassification", ["id2label": ["0": "a", "2": "b"]], "id2label"),
        ("RobertaForSequenceClassification", ["id2label": ["0": "a", "01": "b"]], "id2label"),
        ("RobertaForSequenceClassification", ["id2label": ["0": 7]], "id2label.0"),
        ("RobertaForSequenceClassification", ["num_labels": 3], "num_labels"),
        ("RobertaForSequenceClassification", ["id2label": NSNull(), "num_labels": 1 << 20], "num_labels"),
        ("RobertaForSequenceClassification", ["problem_type": "ranking"], "problem_type"),
    ]
    for (architecture, fields, field) in cases {
        #expect(refusedField { try config(architecture, fields) } == field, "\(architecture) \(fields.keys)")
    }
}
