import Testing

@testable import Inference

let tinyConfig = ModelConfig(
    layout: .sequenceClassification, vocabSize: 50, hiddenSize: 16, layerCount: 2, headCount: 4,
    intermediateSize: 32, maxPositions: 64, rewardHiddenSize: 8)

/// The arrays of a random checkpoint, editable before they become a store.
func checkpointArrays(_ config: ModelConfig, seed: UInt64 = 1) -> [String: (shape: [Int], values: [Float])] {
    var rng = SplitMix64(seed: seed)
    var arrays: [String: (shape: [Int], values: [Float])] = [:]
    for (name, shape) in InMemoryWeights.expectedShapes(config) {
        arrays[name] = (shape, (0..<shape.reduce(1, *)).map { _ in rng.nextNormal() * 0.3 })
    }
    return arrays
}

@Test func completeCheckpointBindsEveryLayer() throws {
    let weights = try BertWeights.load(from: InMemoryWeights.random(config: tinyConfig), config: tinyConfig)
    #expect(weights.layers.count == 2)
    guard case .sequenceClassification(let pooler, let classifier) = weights.head else {
        Issue.record("expected the v2 head")
        return
    }
    #expect(pooler.outputs == 16 && classifier.outputs == 1 && classifier.inputs == 16)
}

@Test func everyMismatchIsReportedAtOnceWithExpectedAndFound() throws {
    var arrays = checkpointArrays(tinyConfig)
    arrays["bert.encoder.layer.1.intermediate.dense.weight"] = ([31, 16], [Float](repeating: 0, count: 31 * 16))
    arrays["classifier.weight"] = nil
    arrays["bert.encoder.layer.2.output.dense.bias"] = ([16], [Float](repeating: 0, count: 16))
    let error = #expect(throws: ModelLoadError.self) {
        try BertWeights.load(from: InMemoryWeights(arrays), config: tinyConfig)
    }
    guard case .tensorMismatches(let lines) = error else { return }
    #expect(lines.count == 3)
    #expect(lines.contains("bert.encoder.layer.1.intermediate.dense.weight: got shape [31, 16], expected [32, 16]"))
    #expect(lines.contains("classifier.weight: missing, expected shape [1, 16]"))
    #expect(lines.contains { $0.hasPrefix("bert.encoder.layer.2.output.dense.bias: unexpected") })
}

@Test func v1HeadTensorsAreRequiredForBertRewardLayout() throws {
    var v1 = tinyConfig
    v1.layout = .bertReward
    // A v2 checkpoint has no cls_layer1/ff1/ff2.
    let error = #expect(throws: ModelLoadError.self) {
        try BertWeights.load(from: InMemoryWeights.random(config: tinyConfig), config: v1)
    }
    guard case .tensorMismatches(let lines) = error else { return }
    #expect(lines.count == 6)
    #expect(lines.contains("cls_layer1.weight: missing, expected shape [8, 16]"))
}

@Test func encoderKeysWithoutTheBertPrefixAreAccepted() throws {
    var arrays: [String: (shape: [Int], values: [Float])] = [:]
    for (name, value) in checkpointArrays(tinyConfig) {
        arrays[name.hasPrefix("bert.") ? String(name.dropFirst(5)) : name] = value
    }
    let weights = try BertWeights.load(from: InMemoryWeights(arrays), config: tinyConfig)
    #expect(weights.layers.count == 2)
}

@Test func layerNormGammaBetaNamesAreAccepted() throws {
    var arrays = checkpointArrays(tinyConfig)
    arrays["bert.embeddings.LayerNorm.gamma"] = arrays.removeValue(forKey: "bert.embeddings.LayerNorm.weight")
    arrays["bert.embeddings.LayerNorm.beta"] = arrays.removeValue(forKey: "bert.embeddings.LayerNorm.bias")
    #expect(throws: Never.self) { try BertWeights.load(from: InMemoryWeights(arrays), config: tinyConfig) }
}
