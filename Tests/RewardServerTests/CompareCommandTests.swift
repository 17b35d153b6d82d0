// `reward-server compare`, run as a user runs it, on the tiny fixture model: fp32 against int8 on the same
// pairs, and preference accuracy against what the reference scores imply.
import Foundation
import TestSupport
import Testing

private let modelName = "tiny-v2-cased-st"

private func writeLines(_ lines: [String]) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("compare-\(UUID().uuidString).jsonl")
    try lines.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
    return url
}

private func jsonLine(_ object: [String: Any]) throws -> String {
    String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
}

private func goldens() throws -> [ScoreGolden] {
    Array(try Fixtures.jsonLines(Fixtures.golden("scores-\(modelName).jsonl")).filter { $0.alpha == 1 }.prefix(12))
}

@Test func comparePrintsInt8AgainstFp32OnTheSamePairs() throws {
    let sample = try goldens()
    let file = try writeLines(
        try sample.enumerated().map { try jsonLine(["prompt": $1.prompt, "response": $1.response, "group": $0 / 4]) })
    defer { try? FileManager.default.removeItem(at: file) }
    let result = try runRewardServer([
        "compare", "--model", Fixtures.model(modelName).path, "--pairs", file.path, "--json",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    struct Output: Decodable {
        struct Agreement: Decodable {
            let pairs: Int
            let spearman: Double
            let ranked_response_pairs: Int
        }
        let agreement: Agreement
        let fp32_scores: [Double]
        let int8_scores: [Double]
    }
    let output = try JSONDecoder().decode(Output.self, from: Data(result.stdout.utf8))
    #expect(output.agreement.pairs == sample.count)
    #expect(output.agreement.ranked_response_pairs == 3 * 6)
    for (score, golden) in zip(output.fp32_scores, sample) { #expect(withinScoreTolerance(score, golden.score)) }
    #expect(output.int8_scores != output.fp32_scores, "int8 is not exact")
    #expect(output.agreement.spearman > 0.9)
    // Not a terminal: plain progress lines, one per precision at least.
    #expect(result.stderr.contains("fp32: \(sample.count)/\(sample.count) pairs scored"))
    #expect(result.stderr.contains("int8: \(sample.count)/\(sample.count) pairs scored"))
}

@Test func comparePrintsPreferenceAccuracy() throws {
    let sample = try goldens()
    // Each golden's prompt with its own response as chosen and the next golden's as rejected; which one
    // wins comes from `reward-server score` on the same pairs.
    var preferences: [String] = []
    var pairs: [String] = []
    for i in 0..<(sample.count - 1) {
        let (prompt, chosen, rejected) = (sample[i].prompt, sample[i].response, sample[i + 1].response)
        preferences.append(try jsonLine(["prompt": prompt, "chosen": chosen, "rejected": rejected]))
        pairs.append(try jsonLine(["prompt": prompt, "response": chosen]))
        pairs.append(try jsonLine(["prompt": prompt, "response": rejected]))
    }
    let model = Fixtures.model(modelName).path
    let scored = try runRewardServer(["score", "--model", model], stdin: pairs.joined(separator: "\n"))
    struct Score: Decodable { let score: Double }
    let scores = try scored.lines.map { try JSONDecoder().decode(Score.self, from: Data($0.utf8)).score }
    try #require(scores.count == pairs.count)
    let expectedCorrect = (0..<preferences.count).filter { scores[2 * $0] > scores[2 * $0 + 1] }.count
    let file = try writeLines(preferences)
    defer { try? FileManager.default.removeItem(at: file) }
    let result = try runRewardServer(["compare", "--model", model, "--preferences", file.path, "--json"])
    #expect(result.status == 0, "\(result.stderr)")
    struct Output: Decodable {
        let lines: Int
        let correct: Int
        let precision: String
    }
    let output = try JSONDecoder().decode(Output.self, from: Data(result.stdout.utf8))
    #expect(output.lines == preferences.count && output.correct == expectedCorrect && output.precision == "fp32")
}

@Test func compareNeedsExactlyOneInput() throws {
    let result = try runRewardServer(["compare", "--model", Fixtures.model(modelName).path])
    #expect(result.status != 0)
    #expect(result.stderr.contains("exactly one of --pairs and --preferences"))
}
