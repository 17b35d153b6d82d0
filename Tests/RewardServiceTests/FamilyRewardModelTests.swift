// Reward models of the other families, end to end: the directory's tokenizer.json (byte-level BPE
// for RoBERTa, SentencePiece Unigram with the Precompiled normalizer for DeBERTa-v3) and the
// family's encoder, against transformers' tokenizer + model (Scripts/make_family_reward_fixtures.py).
import Foundation
import HTTPServer
import TestSupport
import Testing

@testable import RewardService

let familyFixtureModels = ["tiny-roberta-st", "tiny-deberta-v3-st"]

@Test(arguments: familyFixtureModels)
func familyRewardModelMatchesReference(name: String) throws {
    let model = try RewardModel(directory: Fixtures.model(name))
    let goldens: [ScoreGolden] = try Fixtures.jsonLines(Fixtures.golden("scores-\(name).jsonl"))
    #expect(goldens.map { abs($0.score) }.max()! > 1, "\(name): scores too small to exercise a 1e-4 tolerance")
    // Some goldens are longer than the model's limit: the same longest-first truncation as transformers.
    #expect(goldens.contains { $0.ids.count == model.maxLength }, "\(name): no golden reaches the limit")
    try expectParity(model, goldens, label: name)
}

@Test func aRoBERTaRewardModelIsServedOverHTTP() async throws {
    let model = try RewardModel(directory: Fixtures.model("tiny-roberta-st"))
    let goldens: [ScoreGolden] = try Fixtures.jsonLines(Fixtures.golden("scores-tiny-roberta-st.jsonl"))
    let golden = try #require(goldens.first { $0.alpha == 1 && !$0.response.isEmpty })
    let runner = try ServiceRunner.start(model: model, configuration: testConfiguration(), logger: quietLogger)
    let port = runner.port
    let json = String(
        decoding: try JSONEncoder().encode(["prompt": golden.prompt, "response": golden.response]), as: UTF8.self)
    let answer = try await onThread { try LoopbackClient(port: port).post("/score", json: json) }
    await runner.shutdown()
    #expect(answer.status == 200, "\(answer.text)")
    let score = try answer.decoded([String: Double].self)["score"]
    #expect(
        score.map { withinScoreTolerance($0, golden.score) } == true,
        "served \(String(describing: score)) vs reference \(golden.score)")
}

/// int8 reaches every family through the shared packing: a pair's int8 score is the same alone or in
/// a batch, bit for bit, and stays near its fp32 score.
@Test(arguments: familyFixtureModels)
func familyRewardModelsRunInInt8(name: String) throws {
    let fp32 = try RewardModel(directory: Fixtures.model(name))
    let int8 = try RewardModel(directory: Fixtures.model(name), threads: 2, precision: .int8)
    #expect(int8.modelDescription.precision == "int8")
    let goldens: [ScoreGolden] = try Fixtures.jsonLines(Fixtures.golden("scores-\(name).jsonl"))
    let encodings = try goldens.map { try int8.encode(prompt: $0.prompt, response: $0.response) }
    let batch = try int8.rawScores(encodings)
    let reference = try fp32.rawScores(encodings)
    // Quantisation really ran: an engine that fell back to fp32 would give fp32's scores bit for bit.
    #expect(zip(batch, reference).contains { $0 != $1 }, "\(name): int8 scores equal fp32's everywhere")
    for (i, encoding) in encodings.enumerated() {
        let alone = try int8.rawScores([encoding])[0]
        #expect(alone == batch[i], "\(name) #\(i): int8 alone \(alone) vs in batch \(batch[i])")
        #expect(
            abs(alone - reference[i]) <= 0.25 * max(1, abs(reference[i])),
            "\(name) #\(i): int8 \(alone) vs fp32 \(reference[i])")
    }
}
