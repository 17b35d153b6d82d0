// `reward-server score`: one pair from flags, or JSON lines from stdin scored in batches.
import ArgumentParser
import Foundation
import RewardService

struct ScoreLine: Encodable {
    let score: Double
}

struct ScoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract:
            "Print the reward score of a pair, or of each JSON line {\"prompt\", \"response\", \"alpha\"?} on stdin.",
        discussion: EnvironmentTwins.helpDiscussion(for: "score")
    )

    @OptionGroup var model: ModelOptions

    @OptionGroup var pair: PairOptions

    @Option(help: "Multiplier applied to the raw score; must be finite.")
    var alpha: Double = 1

    @Option(help: "Pairs per batch when reading stdin.")
    var batchSize: Int = 32

    func validate() throws {
        try model.requireOneModel("score")
        do {
            try RewardModel.check(alpha: alpha)
        } catch {
            throw ValidationError("--\(error)")
        }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() async throws {
        let rewardModel = try await model.load()
        if let prompt = pair.prompt {
            let score = try rewardModel.scores([(prompt, pair.response, alpha)])[0]
            JSONLines.write(ScoreLine(score: score))
            return
        }
        var failures = 0
        JSONLines.forEachChunk(chunkSize: batchSize) { chunk in
            failures += Self.scoreChunk(chunk, rewardModel, defaultAlpha: alpha)
        }
        if failures > 0 { throw ExitCode(1) }
    }

    /// Scores the valid lines of a chunk as one batch and writes every line's result in order.
    /// Returns how many lines failed.
    private static func scoreChunk(
        _ chunk: [(line: Int, result: Result<PairLine, Error>)], _ model: RewardModel, defaultAlpha: Double
    ) -> Int {
        var outputs: [Result<Double, Error>] = chunk.map { entry in
            entry.result.flatMap { pair in
                Result { () throws(RewardModelError) in try RewardModel.check(alpha: pair.alpha ?? defaultAlpha) }
                    .map { 0 }.mapError { $0 as Error }
            }
        }
        let valid = chunk.indices.compactMap { i -> (Int, PairLine)? in
            guard case .success(let pair) = chunk[i].result, case .success = outputs[i] else { return nil }
            return (i, pair)
        }
        do {
            let scores = try model.scores(valid.map { ($0.1.prompt, $0.1.response, $0.1.alpha ?? defaultAlpha) })
            for ((i, _), score) in zip(valid, scores) { outputs[i] = .success(score) }
        } catch {
            for (i, _) in valid { outputs[i] = .failure(error) }
        }
        var failures = 0
        for (entry, output) in zip(chunk, outputs) {
            switch output {
            case .success(let score): JSONLines.write(ScoreLine(score: score))
            case .failure(let error):
                failures += 1
                JSONLines.write(ErrorLine(error: "line \(entry.line): \(JSONLines.describe(error))"))
            }
        }
        return failures
    }
}
