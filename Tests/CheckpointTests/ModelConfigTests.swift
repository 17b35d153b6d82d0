import Foundation
import Testing

@testable import Checkpoint

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

@Test func moreThanOneLabelIsAClassifier() throws {
    let labels = try config(["id2label": ["1": "POS", "0": "NEG"]]).labels
    #expect(labels == ClassifierLabels(names: ["NEG", "POS"], problemType: .singleLabelClassification))
}

@Test func missingLabelsMeansTransformersDefaultOfTwo() throws {
    var fields: [String: Any] = [:]
    fields["id2label"] = NSNull()
    #expect(try config(fields).labels.names == ["LABEL_0", "LABEL_1"])
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

@Test func sizesBeyondTheLimitsAreRefusedNamingTheFieldAndTheBound() {
    #expect(throws: ModelConfigError.exceedsLimit(field: "num_hidden_layers", value: "100000", limit: 256)) {
        try config(["num_hidden_layers": 100_000])
    }
    #expect(throws: ModelConfigError.exceedsLimit(field: "vocab_size", value: "1e+30", limit: 1 << 20)) {
        try config(["vocab_size": 1e30])
    }
    #expect(throws: ModelConfigError.exceedsLimit(field: "hidden_size", value: "9223372036854775807", limit: 1 << 14)) {
        try config(["hidden_size": Int.max])
    }
    for (field, limit) in ConfigLimits.maximum where field != "linear_layer_output" && field != "linear_layer" {
        #expect(throws: ModelConfigError.exceedsLimit(field: field, value: "\(limit + 1)", limit: limit)) {
            try config([field: limit + 1])
        }
    }
}

@Test func fractionalSizesAreRefused() {
    #expect(throws: ModelConfigError.self) { try config(["num_hidden_layers": 2.5]) }
}

@Test func hugeValuesAreDescribedNotCopiedIntoMessages() throws {
    let long = String(repeating: "x", count: 100_000)
    let many = [String](repeating: "BertForMaskedLM", count: 10_000)
    for fields in [["vocab_size": [Int](repeating: 7, count: 100_000)], ["hidden_act": long], ["architectures": many]]
        as [[String: Any]]
    {
        let error = #expect(throws: ModelConfigError.self) { try config(fields) }
        #expect((error?.description.utf8.count ?? .max) < 300, "\(fields.keys)")
    }
}

@Test func anOversizedConfigJsonIsRefusedBeforeParsing() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }  // Best effort: a leftover temp dir is harmless.
    let padding = String(repeating: " ", count: ConfigLimits.maxFileBytes)
    try Data("{\"vocab_size\": 1\(padding)}".utf8).write(to: directory.appendingPathComponent("config.json"))
    #expect(
        throws: ModelConfigError.tooLarge(
            path: directory.appendingPathComponent("config.json").path, limit: ConfigLimits.maxFileBytes)
    ) { try ModelConfig.load(directory: directory) }
}

// config.json is read with StrictJSON: a value of the wrong kind is refused, never coerced.

private func parse(_ text: String) throws -> ModelConfig { try ModelConfig.parse(Data(text.utf8)) }

private let minimalFields = #"""
    "architectures": ["BertForSequenceClassification"], "id2label": {"0": "R"}, "vocab_size": 100,
    "hidden_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4, "intermediate_size": 64
    """#

@Test func booleansAreNotNumbersAndWrongKindsAreNamed() {
    let cases: [([String: Any], ModelConfigError)] = [
        (["vocab_size": true], .invalidField("vocab_size", reason: "must be a positive integer, found true")),
        (["layer_norm_eps": true], .invalidField("layer_norm_eps", reason: "must be a positive number, found true")),
        (["hidden_act": 5], .invalidField("hidden_act", reason: "must be a string, found 5")),
        (
            ["architectures": ["BertForSequenceClassification", 1]],
            .invalidField("architectures[1]", reason: "must be a string, found 1")
        ),
        (
            ["architectures": "RewardModel"],
            .invalidField("architectures", reason: "must be an array, found \"RewardModel\"")
        ),
        (
            ["id2label": NSNull(), "num_labels": true],
            .invalidField("num_labels", reason: "must be an integer, found true")
        ),
    ]
    for (fields, error) in cases {
        #expect(throws: error, "\(fields)") { try config(fields) }
    }
}

@Test func aRepeatedKeyTakesItsLastValueAsTransformersDoes() throws {
    #expect(try parse("{\(minimalFields), \"hidden_size\": 64}").hiddenSize == 64)
    #expect(try parse(#"{"hidden_size": 64, "# + minimalFields + "}").hiddenSize == 32)
    // id2label {"0": …, "0": …} is one label in Python, and here.
    #expect(
        try parse("{\(minimalFields), \"id2label\": {\"0\": \"A\", \"0\": \"B\"}}").layout == .sequenceClassification)
}

@Test func jsonThatPythonRefusesIsRefused() throws {
    #expect(try parse("{\(minimalFields)}").vocabSize == 100)
    for text in ["{\(minimalFields),}", "\u{FEFF}{\(minimalFields)}", "{\(minimalFields), \"x\": NaN}"] {
        let error = #expect(throws: ModelConfigError.self) { try parse(text) }
        guard case .unreadable(path: "config.json", let reason)? = error else {
            Issue.record("\(String(describing: error))")
            continue
        }
        #expect(reason.hasPrefix("invalid JSON ("))
    }
    #expect(throws: ModelConfigError.unreadable(path: "config.json", reason: "not a JSON object")) {
        try parse("\"x\"")
    }
}

@Test func parseRefusesMoreThanTheFileLimitToo() {
    let padding = String(repeating: " ", count: ConfigLimits.maxFileBytes)
    #expect(throws: ModelConfigError.tooLarge(path: "config.json", limit: ConfigLimits.maxFileBytes)) {
        try parse("{\(minimalFields)}\(padding)")
    }
}
