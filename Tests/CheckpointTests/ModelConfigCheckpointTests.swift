// config.json against a real checkpoint's tensor table: contradictions are found from names and
// shapes before anything is sized from the config, and the message stays short.
import Foundation
import TestSupport
import Testing

@testable import Checkpoint

private let fixture = "tiny-v2-cased-st"

/// The fixture's own config (2 layers, width 32, intermediate 64, vocab 3000) with `change` applied.
private func fixtureConfig(_ model: String = fixture, _ change: (inout ModelConfig) -> Void = { _ in }) throws
    -> ModelConfig
{
    var config = try ModelConfig.load(directory: Fixtures.model(model))
    change(&config)
    return config
}

private func contradictions(_ config: ModelConfig, _ model: String = fixture) throws -> [ConfigContradiction] {
    let store = try WeightFiles.open(directory: Fixtures.model(model))
    do {
        try config.check(against: store.tensors)
        return []
    } catch let ModelConfigError.contradictedByCheckpoint(found) {
        return found
    }
}

@Test func theFixturesOwnConfigAgreesWithItsCheckpoint() throws {
    for model in ["tiny-v1-cased-bin", "tiny-v2-cased-st", "tiny-v2-uncased-bin"] {
        #expect(try contradictions(fixtureConfig(model), model).isEmpty, "\(model)")
    }
}

@Test func everyContradictedWidthIsNamedOnceWithTheTensorThatShowsIt() throws {
    let config = try fixtureConfig {
        $0.hiddenSize = 4096
        $0.vocabSize = 10
        $0.intermediateSize = 1 << 16
        $0.maxPositions = 1 << 16
        $0.typeVocabSize = 16
    }
    let found = try contradictions(config).map(\.description)
    #expect(
        found == [
            "config.json says vocab_size = 10 but the checkpoint's bert.embeddings.word_embeddings.weight has shape [3000, 32]",
            "config.json says hidden_size = 4096 but the checkpoint's bert.embeddings.word_embeddings.weight has shape [3000, 32]",
            "config.json says max_position_embeddings = 65536 but the checkpoint's bert.embeddings.position_embeddings.weight has shape [512, 32]",
            "config.json says type_vocab_size = 16 but the checkpoint's bert.embeddings.token_type_embeddings.weight has shape [2, 32]",
            "config.json says intermediate_size = 65536 but the checkpoint's bert.encoder.layer.0.intermediate.dense.weight has shape [64, 32]",
        ])
}

@Test func theV1HeadWidthIsComparedWithClsLayer1() throws {
    let config = try fixtureConfig("tiny-v1-cased-bin") { $0.rewardHiddenSize = 4096 }
    #expect(
        try contradictions(config, "tiny-v1-cased-bin").map(\.description) == [
            "config.json says linear_layer = 4096 but the checkpoint's cls_layer1.weight has shape [128, 32]"
        ])
}

@Test(arguments: [100_000, 1_000_000])
func anAbsurdLayerCountIsContradictedAtOnceWithAShortMessage(layers: Int) throws {
    let found = try contradictions(fixtureConfig { $0.layerCount = layers })
    let message = ModelConfigError.contradictedByCheckpoint(found).description
    #expect(
        message == "config.json says num_hidden_layers = \(layers) but the checkpoint has 2 layers "
            + "(bert.encoder.layer.0 … 1)")
    #expect(message.utf8.count < 4096)
}

@Test func layerNumberingWithGapsIsDescribedBriefly() throws {
    var tensors = try WeightFiles.open(directory: Fixtures.model(fixture)).tensors
    for (name, info) in tensors where name.hasPrefix("bert.encoder.layer.1.") {
        tensors[name] = nil
        tensors[name.replacingOccurrences(of: "layer.1.", with: "layer.999999.")] = info
    }
    let config = try fixtureConfig { $0.layerCount = 12 }
    #expect(
        throws: ModelConfigError.contradictedByCheckpoint([
            ConfigContradiction(
                field: "num_hidden_layers", configValue: 12,
                evidence: "the checkpoint has 2 layers (bert.encoder.layer.0, 999999; not numbered 0 … 1)")
        ])
    ) { try config.check(against: tensors) }
}
