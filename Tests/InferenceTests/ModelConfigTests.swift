import Foundation
import Testing

@testable import Inference

private func config(_ fields: [String: Any]) throws -> ModelConfig {
    var base: [String: Any] = [
        "architectures": ["BertForSequenceClassification"], "model_type": "bert", "id2label": ["0": "REWARD"],
        "vocab_size": 100, "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
        "intermediate_size": 64, "max_position_embeddings": 512, "type_vocab_size": 2, "layer_norm_eps": 1e-12,
        "hidden_act": "gelu",
    ]
    for (k, v) in fields { base[k] = v }
    return try ModelConfig.parse(JSONSerialization.data(withJSONObject: base))
}

@Test func sequenceClassificationWithOneLabelIsV2() throws {
    let c = try config([:])
    #expect(c.layout == .sequenceClassification)
    #expect(c.hiddenSize == 32 && c.layerCount == 2 && c.headCount == 4 && c.headSize == 8)
    #expect(c.layerNormEps == 1e-12)
}

@Test func bertRewardModelTypeIsV1WithItsHeadWidth() throws {
    let c = try config([
        "architectures": ["RewardModel"], "model_type": "bert-reward", "linear_layer": 16, "linear_layer_output": 1,
    ])
    #expect(c.layout == .bertReward)
    #expect(c.rewardHiddenSize == 16)
}

@Test func moreThanOneLabelIsRefused() {
    #expect(throws: ModelConfigError.unsupportedLabelCount(2)) {
        try config(["id2label": ["0": "NEG", "1": "POS"]])
    }
}

@Test func missingLabelsMeansTransformersDefaultOfTwo() {
    var fields: [String: Any] = [:]
    fields["id2label"] = NSNull()
    #expect(throws: ModelConfigError.unsupportedLabelCount(2)) { try config(fields) }
}

@Test func unknownArchitectureIsNamed() {
    #expect(throws: ModelConfigError.unsupportedArchitecture("[\"BertForMaskedLM\"]")) {
        try config(["architectures": ["BertForMaskedLM"]])
    }
}

@Test func badHyperParametersAreRejectedWithTheirName() {
    #expect(throws: ModelConfigError.missingField("hidden_size")) { try config(["hidden_size": NSNull()]) }
    #expect(throws: ModelConfigError.self) { try config(["num_attention_heads": 5]) }
    #expect(throws: ModelConfigError.self) { try config(["hidden_act": "relu"]) }
    #expect(throws: ModelConfigError.self) { try config(["vocab_size": -3]) }
    #expect(throws: ModelConfigError.self) { try config(["vocab_size": "100"]) }
    #expect(throws: ModelConfigError.self) { try config(["linear_layer_output": 2, "model_type": "bert-reward"]) }
}

@Test func malformedConfigIsATypedError() {
    #expect(throws: ModelConfigError.self) { try ModelConfig.parse(Data("{\"vocab_size\": ".utf8)) }
    #expect(throws: ModelConfigError.self) { try ModelConfig.parse(Data("[1, 2]".utf8)) }
}
