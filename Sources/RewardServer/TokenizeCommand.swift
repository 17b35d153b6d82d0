// `reward-server tokenize`: the ids and tokens exactly as the engine will see them.
import ArgumentParser
import Foundation
import RewardService

struct TokenizeLine: Encodable {
    let ids: [Int32]
    let tokens: [String]
}

struct TokenizeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokenize",
        abstract: "Print {\"ids\", \"tokens\"} for a pair, or for each JSON line {\"prompt\", \"response\"} on stdin.",
        discussion: EnvironmentTwins.helpDiscussion(for: "tokenize")
    )

    @OptionGroup var model: ModelOptions

    @OptionGroup var pair: PairOptions

    func validate() throws { try model.requireOneModel("tokenize") }

    func run() async throws {
        let rewardModel = try await model.load()
        if let prompt = pair.prompt {
            JSONLines.write(try Self.line(rewardModel, prompt, pair.response))
            return
        }
        var failures = 0
        JSONLines.forEachChunk(chunkSize: 1) { chunk in
            for entry in chunk {
                do {
                    let input = try entry.result.get()
                    JSONLines.write(try Self.line(rewardModel, input.prompt, input.response))
                } catch {
                    failures += 1
                    JSONLines.write(ErrorLine(error: "line \(entry.line): \(JSONLines.describe(error))"))
                }
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }

    private static func line(_ model: RewardModel, _ prompt: String, _ response: String) throws -> TokenizeLine {
        let encoding = try model.encode(prompt: prompt, response: response)
        return TokenizeLine(ids: encoding.ids, tokens: encoding.tokens)
    }
}
