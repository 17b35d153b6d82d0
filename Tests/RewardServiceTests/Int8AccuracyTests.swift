// int8 against fp32 on real weights (all-MiniLM-L6-v2, both head layouts) over real English pairs
// from Scripts/make_int8_pairs.py (Python standard library docstrings, generated here, not committed):
// the accuracy the README publishes for `--precision int8`, held as assertions.
import Foundation
import RewardService
import TestSupport
import Testing

/// JSON lines of Scripts/make_int8_pairs.py, run with the python3 on PATH.
private func docstringPairs(prompts: Int, responses: Int) throws -> [(prompt: String, response: String, group: Int)] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
        "python3", Fixtures.packageRoot.appendingPathComponent("Scripts/make_int8_pairs.py").path,
        "--prompts", "\(prompts)", "--responses", "\(responses)",
    ]
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    try #require(process.terminationStatus == 0, "make_int8_pairs.py failed")
    struct Line: Decodable {
        let prompt: String
        let response: String
        let group: Int
    }
    return try data.split(separator: 0x0A).map {
        let line = try JSONDecoder().decode(Line.self, from: Data($0))
        return (line.prompt, line.response, line.group)
    }
}

private func rawScores(_ model: RewardModel, _ pairs: [(prompt: String, response: String, group: Int)]) throws
    -> [Double]
{
    var scores: [Double] = []
    for start in stride(from: 0, to: pairs.count, by: 64) {
        let batch = pairs[start..<min(start + 64, pairs.count)]
        scores += try model.scores(batch.map { ($0.prompt, $0.response, 1.0) })
    }
    return scores
}

@Test(arguments: ["v1", "v2"])
func int8RanksDocstringPairsLikeFp32(layout: String) throws {
    let dir = try assembleMiniLM(layout: layout)
    defer { try? FileManager.default.removeItem(at: dir) }
    let pairs = try docstringPairs(prompts: 340, responses: 6)
    try #require(pairs.count == 2_040)
    let threads = 2
    let fp32 = try rawScores(RewardModel(directory: dir, threads: threads, precision: .fp32), pairs)
    let int8 = try rawScores(RewardModel(directory: dir, threads: threads, precision: .int8), pairs)
    let agreement = ScoreAgreement(reference: fp32, candidate: int8, groups: pairs.map(\.group))
    print("int8 vs fp32, MiniLM \(layout): \(agreement)")
    #expect(agreement.rankingAgreement >= 0.985)
    #expect(agreement.spearman >= 0.998)
}

@Test func scoreAgreementCountsOrderedPairsPerPrompt() {
    // Prompt 0: three responses, the candidate swaps the last two (1 of 3 pairs disagrees).
    // Prompt 1: two responses, ordered alike. A lone response contributes nothing.
    let reference = [1.0, 2.0, 3.0, 5.0, 4.0, 9.0]
    let candidate = [1.0, 3.5, 3.0, 5.5, 4.5, 0.0]
    let groups = [0, 0, 0, 1, 1, 2]
    let a = ScoreAgreement(reference: reference, candidate: candidate, groups: groups)
    #expect(a.rankedResponsePairs == 4)
    #expect(a.rankingAgreement == 0.75)
    #expect(abs(a.maxAbsDelta - 9) < 1e-12)
    #expect(abs(a.meanAbsDelta - 11.5 / 6) < 1e-12)
    // scipy.stats.spearmanr / kendalltau of the two lists: 0.0857142857, 0.2.
    #expect(abs(a.spearman - 0.0857142857) < 1e-9)
    #expect(abs(a.kendall - 0.2) < 1e-9)
}
