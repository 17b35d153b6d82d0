// The loopback tests' workload: the tiny fixture model (optionally slowed), scores of pairs computed
// one at a time, and a plan of mixed /score and /rank requests that checks each answer against them.
import Foundation
import TestSupport
import Tokenizer

@testable import RewardService

/// Another model with `beforeBatch` run ahead of every batch it computes: to slow batches down so a
/// burst can fill the queue, or to record which model computed when.
final class HookedModel: ScoringModel {
    let inner: any ScoringModel
    let beforeBatch: @Sendable () -> Void

    init(_ inner: any ScoringModel, beforeBatch: @escaping @Sendable () -> Void) {
        self.inner = inner
        self.beforeBatch = beforeBatch
    }

    var modelDescription: ModelDescription { inner.modelDescription }

    func encode(prompt: String, response: String, truncate: Bool, stopIf shouldStop: () -> Bool) throws -> Encoding {
        try inner.encode(prompt: prompt, response: response, truncate: truncate, stopIf: shouldStop)
    }

    func rawScores(_ encodings: [Encoding]) throws -> [Float] {
        beforeBatch()
        return try inner.rawScores(encodings)
    }
}

let tinyModelName = "tiny-v2-cased-st"

/// The tiny model and its golden pairs up to 256 tokens (the debug-built tokenizer makes the few
/// 512-token goldens dominate a test's time without exercising anything the others do not).
func loadTinyModel() throws -> (RewardModel, [ScoreGolden]) {
    let model = try RewardModel(directory: Fixtures.model(tinyModelName))
    let goldens: [ScoreGolden] = try Fixtures.jsonLines(Fixtures.golden("scores-\(tinyModelName).jsonl"))
    return (model, goldens.filter { $0.ids.count <= 256 })
}

/// Raw scores of pairs computed one at a time: what every batched result must match.
struct AloneScores {
    private var raw: [String: Float] = [:]

    init(_ model: RewardModel, pairs: [Pair]) throws {
        for pair in pairs where raw[Self.key(pair)] == nil {
            raw[Self.key(pair)] = try model.rawScores([model.encode(prompt: pair.prompt, response: pair.response)])[0]
        }
    }

    func expected(_ pair: Pair, alpha: Double) -> Double? {
        raw[Self.key(pair)].map { RewardModel.apply(alpha: alpha, to: $0) }
    }

    private static func key(_ pair: Pair) -> String { pair.prompt + "\u{0}" + pair.response }
}

func json<T: Encodable>(_ value: T) throws -> String {
    String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
}

/// One planned request of the concurrency test and how to check its answer.
enum PlannedRequest: Sendable {
    case single(Pair, alpha: Double)
    case batch([Pair], alpha: Double)
    case rank(prompt: String, responses: [String], alpha: Double)

    var pairs: [Pair] {
        switch self {
        case .single(let pair, _): [pair]
        case .batch(let pairs, _): pairs
        case .rank(let prompt, let responses, _): responses.map { Pair(prompt: prompt, response: $0) }
        }
    }

    static func make(client: Int, request: Int, goldens: [ScoreGolden]) -> PlannedRequest {
        let seed = client * 31 + request * 7
        let pair = { (i: Int) in
            Pair(prompt: goldens[i % goldens.count].prompt, response: goldens[i % goldens.count].response)
        }
        let alpha = [1, 0.5, -2, 3.25][seed % 4]
        switch (client + request) % 3 {
        case 0: return .single(pair(seed), alpha: alpha)
        case 1: return .batch((0..<(2 + seed % 5)).map { pair(seed + $0 * 3) }, alpha: alpha)
        default:
            return .rank(
                prompt: goldens[seed % goldens.count].prompt,
                responses: (0..<(2 + seed % 4)).map { goldens[(seed + $0 * 5) % goldens.count].response }, alpha: alpha)
        }
    }

    var body: (path: String, json: String) {
        get throws {
            switch self {
            case .single(let pair, let alpha):
                ("/score", try json(ScoreRequest(prompt: pair.prompt, response: pair.response, alpha: alpha)))
            case .batch(let pairs, let alpha): ("/score", try json(ScoreRequest(pairs: pairs, alpha: alpha)))
            case .rank(let prompt, let responses, let alpha):
                ("/rank", try json(RankRequest(prompt: prompt, responses: responses, alpha: alpha)))
            }
        }
    }

    /// Sends the request; for a 200, checks every score against the alone scores.
    func send(_ client: LoopbackClient, alone: AloneScores) throws -> (response: ClientResponse, problems: [String]) {
        let (path, body) = try body
        let response = try client.post(path, json: body)
        guard response.status == 200 else { return (response, []) }
        return (response, try problems(in: response, alone: alone))
    }

    private func problems(in response: ClientResponse, alone: AloneScores) throws -> [String] {
        var problems: [String] = []
        // 1e-5 (relative above magnitude 1) on the raw score: alpha multiplies after the forward pass,
        // so it scales the engine's batch-to-batch rounding along with the score.
        func compare(_ actual: Double, _ pair: Pair, _ alpha: Double) {
            let expected = alone.expected(pair, alpha: alpha)
            guard let expected, withinScoreTolerance(actual / alpha, expected / alpha, tolerance: 1e-5) else {
                return problems.append("\(pair) alpha \(alpha): got \(actual), alone \(String(describing: expected))")
            }
        }
        switch self {
        case .single(let pair, let alpha):
            compare(try response.decoded(ScoreResponse.self).score, pair, alpha)
        case .batch(let pairs, let alpha):
            let scores = try response.decoded(BatchScoreResponse.self).scores
            if scores.count != pairs.count { problems.append("batch: \(scores.count) scores for \(pairs.count) pairs") }
            for (score, pair) in zip(scores, pairs) { compare(score, pair, alpha) }
        case .rank(let prompt, let responses, let alpha):
            let ranking = try response.decoded(RankResponse.self).ranking
            if ranking.map(\.index).sorted() != Array(responses.indices) {
                problems.append("rank: indices \(ranking.map(\.index))")
            }
            for entry in ranking where responses.indices.contains(entry.index) {
                compare(entry.score, Pair(prompt: prompt, response: responses[entry.index]), alpha)
            }
            for (a, b) in zip(ranking, ranking.dropFirst())
            where a.score < b.score || (a.score == b.score && a.index > b.index) {
                problems.append("rank: \(a) before \(b)")
            }
        }
        return problems
    }
}
