// Parity with the PyTorch reference (transformers, fp32) for every fixture model: same token ids,
// scores within 1e-4 (relative above magnitude 1), and the same score alone or inside a batch.
import Foundation
import RewardService
import TestSupport
import Testing

/// Both layouts, all weight formats and dtypes, a cased and an uncased vocabulary. (v1 with an
/// uncased vocabulary and sharded safetensors is the real-weights MiniLM test.)
let fixtureModels = [
    "tiny-v2-cased-st", "tiny-v2-uncased-bin", "tiny-v1-cased-bin",
    "tiny-v2-cased-f16-st", "tiny-v2-cased-bf16-st", "tiny-v2-cased-f16-bin",
]

/// Checks one model against its goldens: ids, scores one at a time, and scores as one batch.
func expectParity(_ model: RewardModel, _ goldens: [ScoreGolden], label: String) throws {
    #expect(goldens.count >= 20, "\(label): too few goldens")
    let encodings = try goldens.map { try model.encode(prompt: $0.prompt, response: $0.response) }
    for (golden, encoding) in zip(goldens, encodings) {
        #expect(encoding.ids == golden.ids, "\(label): ids differ for prompt \(golden.prompt.debugDescription)")
    }
    let batch = try model.rawScores(encodings)
    var worst = 0.0
    for (i, golden) in goldens.enumerated() {
        let alone = try model.rawScores([encodings[i]])[0]
        // 1e-5, relative above magnitude 1: OpenBLAS rounds small products differently from large
        // ones on some CPUs, so a tiny model's scores may move by a few ulps with the batch size.
        #expect(
            withinScoreTolerance(Double(alone), Double(batch[i]), tolerance: 1e-5),
            "\(label) #\(i): alone \(alone) vs in batch \(batch[i])")
        let score = RewardModel.apply(alpha: golden.alpha, to: alone)
        worst = max(worst, abs(score - golden.score) / max(1, abs(golden.score)))
        #expect(withinScoreTolerance(score, golden.score), "\(label) #\(i): \(score) vs reference \(golden.score)")
    }
    #expect(worst <= 1e-4, "\(label): worst scaled error \(worst)")
}

@Test(arguments: fixtureModels)
func tinyModelMatchesReference(name: String) throws {
    let model = try RewardModel(directory: Fixtures.model(name))
    let goldens: [ScoreGolden] = try Fixtures.jsonLines(Fixtures.golden("scores-\(name).jsonl"))
    try expectParity(model, goldens, label: name)
}

@Test func scoresAreSpreadEnoughToTestTheTolerance() throws {
    for name in fixtureModels {
        let goldens: [ScoreGolden] = try Fixtures.jsonLines(Fixtures.golden("scores-\(name).jsonl"))
        let magnitudes = goldens.map { abs($0.score) }
        #expect(magnitudes.max()! > 1, "\(name): scores too small to exercise a 1e-4 tolerance")
    }
}
