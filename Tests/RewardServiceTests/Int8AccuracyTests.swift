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

/// int8 against fp32 on one head layout: `reward-server compare` (built beside the test bundle) in a child
/// process, so minutes of scoring do not compete with the other tests inside this process.
private func measure(_ layout: String, pairsFile: URL) throws -> ScoreAgreement {
    let dir = try assembleMiniLM(layout: layout)
    defer { try? FileManager.default.removeItem(at: dir) }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("reward-server")
    process.arguments = ["compare", "--model", dir.path, "--pairs", pairsFile.path, "--json", "--threads", "1"]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    try #require(process.terminationStatus == 0, "reward-server compare failed for \(layout)")
    struct Output: Decodable { let agreement: ScoreAgreement }
    return try JSONDecoder().decode(Output.self, from: data).agreement
}

/// Runs `body` on a new thread: minutes of synchronous scoring on the test runner's few cooperative threads
/// would starve the suite's other (asynchronous) tests.
private func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

@Test func int8RanksDocstringPairsLikeFp32() async throws {
    let pairs = try docstringPairs(prompts: 340, responses: 6)
    try #require(pairs.count == 2_040)
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("int8-pairs-\(UUID().uuidString).jsonl")
    defer { try? FileManager.default.removeItem(at: file) }
    let lines = try pairs.map { pair in
        let object: [String: Any] = ["prompt": pair.prompt, "response": pair.response, "group": pair.group]
        return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }
    try lines.joined(separator: "\n").write(to: file, atomically: true, encoding: .utf8)
    for layout in ["v1", "v2"] {
        let agreement = try await onOwnThread { try measure(layout, pairsFile: file) }
        print("int8 vs fp32, MiniLM \(layout): \(agreement)")
        #expect(agreement.rankingAgreement >= 0.985, "\(layout)")
        #expect(agreement.spearman >= 0.998, "\(layout)")
    }
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
