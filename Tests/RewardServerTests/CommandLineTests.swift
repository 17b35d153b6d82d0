// The terminal subcommands, run as a user runs them: the built `reward-server` binary in a
// subprocess, checked against the reference goldens.
import Foundation
import TestSupport
import Testing

@testable import RewardServer

struct CommandResult {
    let status: Int32
    let stdout: String
    let stderr: String
    var lines: [String] { stdout.split(separator: "\n").map(String.init) }
}

/// Runs the `reward-server` executable that `swift test` built next to the test bundle.
func runRewardServer(_ arguments: [String], stdin: String = "") throws -> CommandResult {
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("reward-server")
    let process = Process()
    process.executableURL = binary
    process.arguments = arguments
    let input = Pipe()
    let output = Pipe()
    let errors = Pipe()
    (process.standardInput, process.standardOutput, process.standardError) = (input, output, errors)
    try process.run()
    input.fileHandleForWriting.write(Data(stdin.utf8))
    try input.fileHandleForWriting.close()
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(
        status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
        stderr: String(decoding: err, as: UTF8.self))
}

private let modelName = "tiny-v2-cased-st"
private func goldens() throws -> [ScoreGolden] {
    try Fixtures.jsonLines(Fixtures.golden("scores-\(modelName).jsonl"))
}

private func decodeScore(_ line: String) throws -> Double {
    struct Line: Decodable { let score: Double }
    return try JSONDecoder().decode(Line.self, from: Data(line.utf8)).score
}

@Test func scoreOnePairFromFlags() throws {
    let golden = try #require(try goldens().first { $0.alpha != 1 && !$0.response.isEmpty })
    let result = try runRewardServer([
        "score", "--model", Fixtures.model(modelName).path, "--prompt", golden.prompt, "--response", golden.response,
        "--alpha", "\(golden.alpha)",
    ])
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.lines.count == 1)
    #expect(withinScoreTolerance(try decodeScore(result.lines[0]), golden.score))
}

@Test func scoreJSONLinesKeepsOrderAndMarksBadLinesInPlace() throws {
    let sample = Array(try goldens().prefix(12))
    var input = try sample.map { g -> String in
        let object: [String: Any] = ["prompt": g.prompt, "response": g.response, "alpha": g.alpha]
        return String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self)
    }
    input.insert("{\"prompt\": \"no response\"}", at: 5)
    input.insert("not json", at: 9)
    input.insert("   ", at: 11)
    input.insert("{\"prompt\": \"p\", \"response\": \"r\", \"alpha\": 1e31}", at: 13)
    let result = try runRewardServer(
        ["score", "--model", Fixtures.model(modelName).path, "--batch-size", "4"], stdin: input.joined(separator: "\n"))
    #expect(result.status == 1, "bad lines must make the command fail at the end")
    #expect(result.lines.count == sample.count + 4, "one output line per input line, blank ones included")
    #expect(result.lines[5].contains("line 6: missing field 'response'"))
    #expect(result.lines[9].contains("line 10"))
    #expect(result.lines[11].contains("line 12: empty line"))
    #expect(result.lines[13].contains("line 14: alpha must be within ±1e30"))
    let scores = result.lines.enumerated().filter { ![5, 9, 11, 13].contains($0.offset) }.map(\.element)
    for (line, golden) in zip(scores, sample) {
        #expect(withinScoreTolerance(try decodeScore(line), golden.score), "\(line) vs \(golden.score)")
    }
}

@Test func tokenizePrintsTheEngineIds() throws {
    let golden = try #require(try goldens().first { !$0.response.isEmpty })
    let result = try runRewardServer([
        "tokenize", "--model", Fixtures.model(modelName).path, "--prompt", golden.prompt, "--response", golden.response,
    ])
    struct Line: Decodable {
        let ids: [Int32]
        let tokens: [String]
    }
    let line = try JSONDecoder().decode(Line.self, from: Data(result.stdout.utf8))
    #expect(line.ids == golden.ids)
    #expect(line.tokens.first == "[CLS]" && line.tokens.last == "[SEP]" && line.tokens.count == line.ids.count)
}

@Test func invalidOptionsAreRejectedBeforeLoading() {
    #expect(throws: (any Error).self) { try ScoreCommand.parse(["--model", "m", "--alpha", "nan"]) }
    #expect(throws: (any Error).self) { try ScoreCommand.parse(["--model", "m", "--alpha", "1e31"]) }
    #expect(throws: Never.self) { try ScoreCommand.parse(["--model", "m", "--alpha=-1e30"]) }
    #expect(throws: (any Error).self) { try ScoreCommand.parse(["--model", "m", "--max-length", "2"]) }
    #expect(throws: (any Error).self) { try ScoreCommand.parse(["--model", "m", "--token-type-ids", "ones"]) }
    #expect(throws: Never.self) { try ScoreCommand.parse(["--model", "m", "--token-type-ids", "segments"]) }
}

@Test func aMissingModelDirectoryIsAClearError() throws {
    let result = try runRewardServer(["score", "--model", "/nonexistent/model", "--prompt", "a"])
    #expect(result.status != 0)
    #expect(result.stderr.contains("/nonexistent/model"))
}
