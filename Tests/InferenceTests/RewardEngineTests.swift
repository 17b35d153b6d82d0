import Checkpoint
import Foundation
import TestSupport
import Testing

@testable import Inference

private func engine(_ config: ModelConfig = tinyConfig) throws -> RewardEngine {
    try RewardEngine(config: config, weights: InMemoryWeights(checkpointArrays(config, seed: 9)))
}

private func sequence(_ length: Int, seed: UInt64) -> TokenSequence {
    var rng = SplitMix64(seed: seed)
    return TokenSequence(ids: (0..<length).map { _ in Int32(rng.next() % 50) })
}

@Test(arguments: [HeadLayout.sequenceClassification, .bertReward])
func scoresDoNotDependOnTheRestOfTheBatch(layout: HeadLayout) throws {
    var config = tinyConfig
    config.layout = layout
    let model = try engine(config)
    let lengths = [1, 7, 64, 3, 33, 2, 17, 64, 5]
    let inputs = lengths.enumerated().map { sequence($1, seed: UInt64($0)) }
    let alone = try inputs.map { try model.scores([$0])[0] }
    let together = try model.scores(inputs)
    let reversed = try model.scores(inputs.reversed())
    #expect(Set(alone).count == alone.count, "distinct inputs should give distinct scores")
    for i in inputs.indices {
        #expect(abs(alone[i] - together[i]) <= 1e-5)
        #expect(abs(alone[i] - reversed[inputs.count - 1 - i]) <= 1e-5)
    }
}

@Test func passesKeepWholeSequencesWithinTheTokenBudgetInOrder() {
    #expect(RewardEngine.passes(lengths: [], tokenBudget: 10) == [])
    #expect(RewardEngine.passes(lengths: [4, 6, 1], tokenBudget: 10) == [0..<2, 2..<3])
    // A sequence longer than the budget runs alone.
    #expect(RewardEngine.passes(lengths: [12, 3, 3, 5], tokenBudget: 10) == [0..<1, 1..<3, 3..<4])
}

/// A batch larger than the retained workspace runs as several passes; its scores are those of each
/// sequence alone, and an error still names the sequence's index in the whole batch.
@Test func aBatchLargerThanTheWorkspaceScoresAsItsSequencesAlone() throws {
    let model = try engine()
    let inputs = (0..<40).map { sequence(40 + $0 % 25, seed: UInt64(100 + $0)) }
    #expect(inputs.reduce(0) { $0 + $1.ids.count } > Workspace.retainedTokens)
    let together = try model.scores(inputs)
    #expect(together.count == inputs.count)
    for i in inputs.indices {
        #expect(abs(try model.scores([inputs[i]])[0] - together[i]) <= 1e-5, "sequence \(i)")
    }
    var broken = inputs
    broken[37] = TokenSequence(ids: [])
    #expect(throws: EngineError.emptySequence(index: 37)) { try model.scores(broken) }
}

@Test func typeIdsChangeTheScore() throws {
    let model = try engine()
    let ids = sequence(10, seed: 3).ids
    let zeros = try model.scores([TokenSequence(ids: ids)])[0]
    let segments = try model.scores([TokenSequence(ids: ids, typeIds: [0, 0, 0, 0, 0, 1, 1, 1, 1, 1])])[0]
    #expect(abs(zeros - segments) > 1e-4)
}

@Test func invalidSequencesAreTypedErrors() throws {
    let model = try engine()
    #expect(throws: EngineError.emptySequence(index: 1)) {
        try model.scores([sequence(3, seed: 1), TokenSequence(ids: [])])
    }
    #expect(throws: EngineError.sequenceTooLong(index: 0, length: 65, limit: 64)) {
        try model.scores([sequence(65, seed: 1)])
    }
    #expect(throws: EngineError.tokenOutOfRange(index: 0, id: 50, vocabSize: 50)) {
        try model.scores([TokenSequence(ids: [1, 50])])
    }
    #expect(throws: EngineError.typeIdOutOfRange(index: 0, id: 2, typeVocabSize: 2)) {
        try model.scores([TokenSequence(ids: [1, 2], typeIds: [0, 2])])
    }
    #expect(try model.scores([]).isEmpty)
}

// A config.json that contradicts its checkpoint, however absurdly, fails before anything is sized from it.

@Test(arguments: [100_000, 1_000_000])
func anAbsurdLayerCountFailsAtOnceWithAShortMessage(layers: Int) throws {
    var config = try ModelConfig.load(directory: Fixtures.model("tiny-v2-cased-st"))
    config.layerCount = layers
    let store = try WeightFiles.open(directory: Fixtures.model("tiny-v2-cased-st"))
    let error = #expect(throws: ModelConfigError.self) { try RewardEngine(config: config, weights: store) }
    let message = try #require(error).description
    #expect(
        message == "config.json says num_hidden_layers = \(layers) but the checkpoint has 2 layers "
            + "(bert.encoder.layer.0 … 1)")
    #expect(message.utf8.count < 4096)
}

/// A copy of a fixture model whose config.json has `field` set to `value`.
private func modelDirectory(_ model: String, _ field: String, _ value: Any) throws -> ScratchDirectory {
    let source = Fixtures.model(model)
    let scratch = try ScratchDirectory()
    for name in try FileManager.default.contentsOfDirectory(atPath: source.path) {
        try FileManager.default.copyItem(
            at: source.appendingPathComponent(name), to: scratch.url.appendingPathComponent(name))
    }
    let configURL = scratch.url.appendingPathComponent("config.json")
    var json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as? [String: Any])
    json[field] = value
    try JSONSerialization.data(withJSONObject: json).write(to: configURL)
    return scratch
}

@Test(arguments: [100_000, 1_000_000])
func aConfigJsonWithAbsurdLayersIsRefusedNamingTheFieldAndTheBound(layers: Int) throws {
    let directory = try modelDirectory("tiny-v2-cased-st", "num_hidden_layers", layers)
    let error = #expect(throws: ModelConfigError.self) { try RewardEngine(directory: directory.url) }
    #expect(error == .exceedsLimit(field: "num_hidden_layers", value: "\(layers)", limit: 256))
    let message = try #require(error).description
    #expect(message == "config.json: num_hidden_layers = \(layers) exceeds the limit of 256")
    #expect(message.utf8.count < 4096)
}

@Test func aConfigJsonWithinTheBoundsButNotTheCheckpointIsRefusedByTheComparison() throws {
    let directory = try modelDirectory("tiny-v1-cased-bin", "num_hidden_layers", 200)
    let error = #expect(throws: ModelConfigError.self) { try RewardEngine(directory: directory.url) }
    #expect(
        error?.description
            == "config.json says num_hidden_layers = 200 but the checkpoint has 2 layers (bert.encoder.layer.0 … 1)")
}
