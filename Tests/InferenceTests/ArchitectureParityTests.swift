// Parity of every non-BERT family with transformers (fp32), from the fixtures of
// Scripts/make_architecture_fixtures.py: tiny random classifiers whose configs mirror published models,
// with golden logits for pairs given as token ids. Tolerance: 1e-4 absolute below magnitude 1, 1e-4
// relative above (DESIGN.md §2.3). Each pair is checked alone and inside one batch of all the pairs.
import Checkpoint
import Foundation
import TestSupport
import Testing

@testable import Inference

struct LogitGolden: Decodable {
    let ids: [Int32]
    let type_ids: [Int32]
    let logits: [Float]
}

let architectureFixtures = [
    "roberta", "xlm-roberta-3-labels", "deberta-v3", "deberta-v2-multi-label", "distilbert-multi-label", "electra",
]

func architectureDirectory(_ name: String) -> URL { Fixtures.url("architectures/\(name)") }

func architectureGoldens(_ name: String) throws -> [LogitGolden] {
    try Fixtures.jsonLines(architectureDirectory(name).appendingPathComponent("goldens.jsonl"))
}

/// The largest violation of the tolerance, as a multiple of it (≤ 1 passes), with where it happened.
private func worst(_ got: [[Float]], _ goldens: [LogitGolden]) -> (ratio: Float, detail: String) {
    var result: (ratio: Float, detail: String) = (0, "")
    for (row, golden) in goldens.enumerated() {
        for (label, expected) in golden.logits.enumerated() {
            let ratio = abs(got[row][label] - expected) / (1e-4 * max(1, abs(expected)))
            if !(ratio <= result.ratio) {
                result = (ratio, "pair \(row) (length \(golden.ids.count)) label \(label): \(got[row][label]) vs \(expected)")
            }
        }
    }
    return result
}

@Test(arguments: architectureFixtures, [1, 2])
func logitsMatchTransformers(fixture: String, threads: Int) throws {
    let engine = try RewardEngine(directory: architectureDirectory(fixture), threads: threads)
    let goldens = try architectureGoldens(fixture)
    let inputs = goldens.map { TokenSequence(ids: $0.ids, typeIds: $0.type_ids) }
    #expect(engine.labels.count == goldens[0].logits.count)
    let alone = try inputs.map { try engine.logits([$0])[0] }
    let alonePass = worst(alone, goldens)
    #expect(alonePass.ratio <= 1, "\(fixture) alone: \(alonePass.detail)")
    let together = try engine.logits(inputs)
    let batchPass = worst(together, goldens)
    #expect(batchPass.ratio <= 1, "\(fixture) batched: \(batchPass.detail)")
}

@Test(arguments: architectureFixtures)
func logitsDoNotDependOnTheRestOfTheBatch(fixture: String) throws {
    let engine = try RewardEngine(directory: architectureDirectory(fixture), threads: 2)
    let inputs = try architectureGoldens(fixture).map { TokenSequence(ids: $0.ids, typeIds: $0.type_ids) }
    let alone = try inputs.map { try engine.logits([$0])[0] }
    let reversed = Array(try engine.logits(inputs.reversed()).reversed())
    for i in inputs.indices {
        for (a, b) in zip(alone[i], reversed[i]) { #expect(abs(a - b) <= 1e-5 * max(1, abs(a)), "pair \(i)") }
    }
}
