// `reward-server compare`: what int8 costs in accuracy, and how well a model ranks preferences.
//   --pairs FILE         JSON lines {"prompt", "response", "group"?}: every pair scored in fp32 and in int8,
//                        then |Δscore| (max, p99, mean), Spearman, Kendall and, per prompt (`group`, else the
//                        prompt text), the fraction of response pairs ordered the same way.
//   --preferences FILE   JSON lines {"prompt", "chosen", "rejected"}: the share of lines where chosen scores
//                        higher, at --precision.
// Results go to stdout (text, or one JSON object with --json); progress goes to stderr, as a bar on a
// terminal and as plain lines otherwise.
import ArgumentParser
import Foundation
import RewardService

#if canImport(Glibc)
    import Glibc
#endif

struct ComparePair: Decodable {
    let prompt: String
    let response: String
    let group: Int?
}

struct PreferenceLine: Decodable {
    let prompt: String
    let chosen: String
    let rejected: String
}

struct PreferenceResult: Codable, Equatable {
    var lines: Int
    var correct: Int
    var accuracy: Double
    var precision: String
}

struct CompareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Measure int8 against fp32 on the same pairs, or preference accuracy on (prompt, chosen, rejected).",
        discussion: EnvironmentTwins.helpDiscussion(for: "compare")
    )

    @OptionGroup var model: ModelOptions

    @Option(help: "JSON lines {\"prompt\", \"response\", \"group\"?} scored in fp32 and int8.")
    var pairs: String?

    @Option(help: "JSON lines {\"prompt\", \"chosen\", \"rejected\"}: preference accuracy at --precision.")
    var preferences: String?

    @Option(help: "Pairs per batch.")
    var batchSize: Int = 32

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func validate() throws {
        try model.requireOneModel("compare")
        guard (pairs == nil) != (preferences == nil) else {
            throw ValidationError("give exactly one of --pairs and --preferences")
        }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
    }

    func run() async throws {
        if let pairs {
            let lines: [ComparePair] = try Self.readLines(pairs)
            let result = try await comparePrecisions(lines)
            if json { JSONLines.write(result) } else { print(result.text) }
        } else if let preferences {
            let lines: [PreferenceLine] = try Self.readLines(preferences)
            let result = try await preferenceAccuracy(lines)
            if json {
                JSONLines.write(result)
            } else {
                print(
                    String(
                        format: "preference accuracy (%@): %.4f (%d of %d)", result.precision, result.accuracy,
                        result.correct, result.lines))
            }
        }
    }

    struct PrecisionComparison: Codable {
        var reference: String
        var candidate: String
        var agreement: ScoreAgreement
        var fp32Scores: [Double]
        var int8Scores: [Double]

        enum CodingKeys: String, CodingKey {
            case reference, candidate, agreement
            case fp32Scores = "fp32_scores"
            case int8Scores = "int8_scores"
        }

        var text: String {
            let a = agreement
            let f = { (value: Double) in String(format: "%.5f", value) }
            return """
                int8 vs fp32 over \(a.pairs) pairs
                  |Δscore|  max \(f(a.maxAbsDelta))  p99 \(f(a.p99AbsDelta))  mean \(f(a.meanAbsDelta))
                  Spearman \(f(a.spearman))  Kendall \(f(a.kendall))
                  ranking agreement \(f(a.rankingAgreement)) over \(a.rankedResponsePairs) response pairs
                """
        }
    }

    private func comparePrecisions(_ lines: [ComparePair]) async throws -> PrecisionComparison {
        var options = model
        options.precision = .fp32
        let fp32 = try Self.score(lines, try await options.load(), batchSize: batchSize, label: "fp32")
        options.precision = .int8
        let int8 = try Self.score(lines, try await options.load(), batchSize: batchSize, label: "int8")
        var prompts: [String: Int] = [:]
        let groups = lines.map { $0.group ?? prompts[$0.prompt, default: prompts.count] }
        for line in lines where line.group == nil { prompts[line.prompt] = prompts[line.prompt] ?? prompts.count }
        let agreement = ScoreAgreement(reference: fp32, candidate: int8, groups: groups)
        return PrecisionComparison(
            reference: "fp32", candidate: "int8", agreement: agreement, fp32Scores: fp32, int8Scores: int8)
    }

    private func preferenceAccuracy(_ lines: [PreferenceLine]) async throws -> PreferenceResult {
        let loaded = try await model.load()
        let flat = lines.flatMap {
            [ComparePair(prompt: $0.prompt, response: $0.chosen, group: nil),
             ComparePair(prompt: $0.prompt, response: $0.rejected, group: nil)]
        }
        let scores = try Self.score(flat, loaded, batchSize: batchSize, label: model.precision.rawValue)
        let correct = lines.indices.filter { scores[2 * $0] > scores[2 * $0 + 1] }.count
        return PreferenceResult(
            lines: lines.count, correct: correct, accuracy: lines.isEmpty ? 0 : Double(correct) / Double(lines.count),
            precision: model.precision.rawValue)
    }

    /// Raw scores (alpha 1), batch by batch, with progress on stderr.
    static func score(_ lines: [ComparePair], _ model: RewardModel, batchSize: Int, label: String) throws -> [Double] {
        var progress = Progress(total: lines.count, label: label)
        var scores: [Double] = []
        scores.reserveCapacity(lines.count)
        for start in stride(from: 0, to: lines.count, by: batchSize) {
            let batch = lines[start..<min(start + batchSize, lines.count)]
            scores += try model.scores(batch.map { ($0.prompt, $0.response, 1.0) })
            progress.advance(to: scores.count)
        }
        progress.finish()
        return scores
    }

    /// Every line of `path` decoded as `Line`; a bad line is an error naming its number.
    static func readLines<Line: Decodable>(_ path: String) throws -> [Line] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var lines: [Line] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where !line.allSatisfy(\.isWhitespace) {
            do {
                lines.append(try JSONDecoder().decode(Line.self, from: Data(line.utf8)))
            } catch {
                throw ValidationError("\(path) line \(number + 1): \(JSONLines.describe(error))")
            }
        }
        return lines
    }
}

/// Progress on stderr: a bar redrawn in place on a terminal, else a plain line every tenth of the work.
struct Progress {
    let total: Int
    let label: String
    let isTerminal = isatty(STDERR_FILENO) == 1
    private var reportedTenths = 0

    init(total: Int, label: String) {
        self.total = total
        self.label = label
    }

    mutating func advance(to done: Int) {
        if isTerminal {
            let width = 30
            let filled = total == 0 ? width : width * done / total
            let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
            FileHandle.standardError.write(Data("\r\(label) [\(bar)] \(done)/\(total)".utf8))
            return
        }
        let tenths = total == 0 ? 10 : 10 * done / total
        guard tenths > reportedTenths else { return }
        reportedTenths = tenths
        FileHandle.standardError.write(Data("\(label): \(done)/\(total) pairs scored\n".utf8))
    }

    func finish() {
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
