import Checkpoint
import Testing

@testable import Inference

let tinyConfig = ModelConfig(
    layout: .sequenceClassification, vocabSize: 50, hiddenSize: 16, layerCount: 2, headCount: 4,
    intermediateSize: 32, maxPositions: 64, rewardHiddenSize: 8)

/// The arrays of a random checkpoint, editable before they become a store.
func checkpointArrays(_ config: ModelConfig, seed: UInt64 = 1) -> [String: (shape: [Int], values: [Float])] {
    var rng = SplitMix64(seed: seed)
    var arrays: [String: (shape: [Int], values: [Float])] = [:]
    for (name, shape) in BertWeights.expectedShapes(config) {
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
    arrays["bert.encoder.layer.1.intermediate.dense.bias"] = ([31], [Float](repeating: 0, count: 31))
    arrays["classifier.weight"] = nil
    arrays["bert.encoder.layer.0.output.LayerNorm.bias"] = nil
    let error = #expect(throws: ModelLoadError.self) {
        try BertWeights.load(from: InMemoryWeights(arrays), config: tinyConfig)
    }
    guard case .tensorMismatches(let mismatches) = error else { return }
    #expect(mismatches.total == 3)
    #expect(mismatches.lines.contains("bert.encoder.layer.1.intermediate.dense.bias: got shape [31], expected [32]"))
    #expect(mismatches.lines.contains("classifier.weight: missing, expected shape [1, 16]"))
    #expect(mismatches.lines.contains("bert.encoder.layer.0.output.LayerNorm.bias: missing, expected shape [16]"))
}

@Test func layersNumberedWithAGapAreMissingAndUnexpected() throws {
    var arrays = checkpointArrays(tinyConfig)
    // Two layers, as the config says, but numbered 0 and 2.
    for (name, value) in arrays where name.hasPrefix("bert.encoder.layer.1.") {
        arrays[name] = nil
        arrays[name.replacingOccurrences(of: "layer.1.", with: "layer.2.")] = value
    }
    let error = #expect(throws: ModelLoadError.self) {
        try BertWeights.load(from: InMemoryWeights(arrays), config: tinyConfig)
    }
    guard case .tensorMismatches(let mismatches) = error else { return }
    #expect(mismatches.total == 16 + 16)
    #expect(
        mismatches.lines.first == "bert.encoder.layer.1.attention.self.query.weight: missing, expected shape [16, 16]")
    #expect(mismatches.description.hasSuffix("… and 12 more"))
}

@Test func mismatchListsAreCappedButCounted() {
    var mismatches = TensorMismatches()
    for i in 0..<1_600_000 { mismatches.record("tensor \(i): missing") }
    #expect(mismatches.total == 1_600_000)
    #expect(mismatches.lines.count == TensorMismatches.shownLimit)
    let message = mismatches.description
    #expect(message.hasPrefix("checkpoint does not match config.json (1,600,000 problems):\n  tensor 0: missing"))
    #expect(message.hasSuffix("\n  tensor 19: missing\n  … and 1,599,980 more"))
    #expect(message.utf8.count < 1024)
}

@Test func aBrokenCheckpointsMessageShowsTheFirstProblemsAndCountsTheRest() throws {
    var config = tinyConfig
    config.layerCount = 4
    let arrays = checkpointArrays(config).filter { !$0.key.hasSuffix(".bias") }
    let error = #expect(throws: ModelLoadError.self) {
        try BertWeights.load(from: InMemoryWeights(arrays), config: config)
    }
    guard case .tensorMismatches(let mismatches) = error else { return }
    // 8 biases per layer, the embeddings' LayerNorm, the pooler and the classifier.
    #expect(mismatches.total == 4 * 8 + 3)
    #expect(mismatches.lines.count == 20)
    #expect(mismatches.description.hasSuffix("… and 15 more"))
}

@Test func groupedNumbers() {
    #expect(TensorMismatches.grouped(0) == "0")
    #expect(TensorMismatches.grouped(999) == "999")
    #expect(TensorMismatches.grouped(1000) == "1,000")
    #expect(TensorMismatches.grouped(1_599_980) == "1,599,980")
}

@Test func v1HeadTensorsAreRequiredForBertRewardLayout() throws {
    var v1 = tinyConfig
    v1.layout = .bertReward
    // A v2 checkpoint has no cls_layer1/ff1/ff2.
    let error = #expect(throws: ModelLoadError.self) {
        try BertWeights.load(from: InMemoryWeights.random(config: tinyConfig), config: v1)
    }
    guard case .tensorMismatches(let mismatches) = error else { return }
    #expect(mismatches.total == 6)
    #expect(mismatches.lines.contains("cls_layer1.weight: missing, expected shape [8, 16]"))
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

@Test func theTensorTableIsWhatLoadingAsksFor() {
    let table = BertWeights.expectedShapes(tinyConfig)
    // Embeddings (3 + LayerNorm 2), 16 per layer, pooler 2, classifier 2.
    #expect(table.count == 5 + 2 * 16 + 2 + 2)
    #expect(table.first?.0 == "bert.embeddings.word_embeddings.weight" && table.first?.1 == [50, 16])
    #expect(table.contains { $0.0 == "bert.encoder.layer.1.output.LayerNorm.bias" && $0.1 == [16] })
    #expect(table.contains { $0.0 == "classifier.weight" && $0.1 == [1, 16] }, "head keys carry no bert. prefix")
    #expect(Set(table.map(\.0)).count == table.count)
}
