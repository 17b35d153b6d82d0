// 64 loopback clients at once, each sending a mix of every compatibility route and our /score: every
// answer must hold the scores of its own pairs computed alone (raw, activation off where the API
// has a switch), so nothing crosses between clients or routes in shared batches.
import Foundation
import TestSupport
import Testing

@testable import RewardService

/// One request of the mixed-route test: its route and body, the pairs as the engine sees them, and
/// how to read their raw scores back from the answer, in pair order.
struct CompatPlan: Sendable {
    var path: String
    var body: String
    var pairs: [Pair]
    var read: @Sendable ([UInt8]) throws -> [Double]

    static func make(client: Int, request: Int, goldens: [ScoreGolden]) throws -> CompatPlan {
        let seed = client * 37 + request * 11
        let golden = { (i: Int) in goldens[(seed + i * 7) % goldens.count] }
        let prompt = golden(0).prompt.isEmpty ? "prompt \(seed)" : golden(0).prompt
        let responses = (0..<(1 + seed % 4)).map { golden($0 + 1).response }
        let pairs = responses.map { Pair(prompt: prompt, response: $0) }
        switch (client + request) % 7 {
        case 0:
            return CompatPlan(
                path: "/get_reward",
                body: try json(["query": pairs.map { $0.prompt + $0.response }, "prompts": pairs.map(\.prompt)]),
                pairs: pairs, read: { try field($0, "rewards") as [Double] })
        case 1:
            return CompatPlan(
                path: "/v1/rerank", body: try json(CohereBody(query: prompt, documents: responses)), pairs: pairs,
                read: { try byIndex($0, list: "results", score: "relevance_score", count: pairs.count) })
        case 2:
            return CompatPlan(
                path: "/rerank", body: try json(TEIBody(query: prompt, texts: responses)), pairs: pairs,
                read: { try byIndex($0, list: nil, score: "score", count: pairs.count) })
        case 3:
            let texts = responses.map { prompt + " " + $0 }
            return CompatPlan(
                path: "/classify", body: try json(ClassifyBody(input: texts)),
                pairs: texts.map { Pair(prompt: $0, response: "") },
                read: { bytes in try (field(bytes, "data") as [[String: Any]]).map { ($0["probs"] as? [Double])?.first ?? .nan } })
        case 4:
            return CompatPlan(
                path: "/score", body: try json(VLLMScoreBody(text_1: prompt, text_2: responses)), pairs: pairs,
                read: { bytes in try (field(bytes, "data") as [[String: Any]]).map { $0["score"] as? Double ?? .nan } })
        case 5:
            return CompatPlan(
                path: "/predict", body: try json(PredictBody(inputs: pairs.map { [$0.prompt, $0.response] })),
                pairs: pairs,
                read: { bytes in
                    let lists = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [[[String: Any]]])
                    return lists.map { $0.first?["score"] as? Double ?? .nan }
                })
        default:
            return CompatPlan(
                path: "/score", body: try json(ScoreRequest(pairs: pairs)), pairs: pairs,
                read: { try JSONDecoder().decode(BatchScoreResponse.self, from: Data($0)).scores })
        }
    }
}

private struct CohereBody: Encodable { var query: String; var documents: [String] }
private struct TEIBody: Encodable { var query: String; var texts: [String]; var raw_scores = true }
private struct ClassifyBody: Encodable { var input: [String]; var use_activation = false }
private struct VLLMScoreBody: Encodable { var text_1: String; var text_2: [String]; var use_activation = false }
private struct PredictBody: Encodable { var inputs: [[String]]; var raw_scores = true }

private func field<T>(_ bytes: [UInt8], _ key: String) throws -> T {
    let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
    return try #require(object[key] as? T, "\(key) in \(String(decoding: bytes, as: UTF8.self))")
}

/// Scores in input order from a ranked list (`list` nil: the body is the list).
private func byIndex(_ bytes: [UInt8], list: String?, score: String, count: Int) throws -> [Double] {
    let items: [[String: Any]] =
        try list.map { try field(bytes, $0) }
        ?? #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [[String: Any]])
    var scores = [Double](repeating: .nan, count: count)
    for item in items {
        if let index = item["index"] as? Int, scores.indices.contains(index) { scores[index] = item[score] as? Double ?? .nan }
    }
    return scores
}

@Test func concurrentClientsOnMixedCompatibilityRoutesGetTheirOwnScores() async throws {
    let (model, goldens) = try loadTinyModel()
    let plans = try (0..<64).map { client in try (0..<14).map { try CompatPlan.make(client: client, request: $0, goldens: goldens) } }
    // Computed on a thread of its own: seconds of CPU in a debug build must not hold the test pool.
    let alone = try await onThread { try AloneScores(model, pairs: plans.flatMap { $0.flatMap(\.pairs) }) }
    let runner = try ServiceRunner.start(model: model, configuration: testConfiguration(), logger: quietLogger)
    let port = runner.port
    let problems = ErrorList()
    let errors = await runClients(64) { client in
        let connection = try LoopbackClient(port: port)
        for plan in plans[client] {
            let response = try connection.post(plan.path, json: plan.body)
            guard response.status == 200 else {
                problems.append("\(plan.path) status \(response.status): \(response.text)")
                continue
            }
            let scores = try plan.read(response.body)
            if scores.count != plan.pairs.count { problems.append("\(plan.path): \(scores.count) scores for \(plan.pairs.count) pairs") }
            for (score, pair) in zip(scores, plan.pairs) {
                guard let expected = alone.expected(pair, alpha: 1), withinScoreTolerance(score, expected, tolerance: 1e-5) else {
                    problems.append("\(plan.path) \(pair): got \(score), alone \(String(describing: alone.expected(pair, alpha: 1)))")
                    continue
                }
            }
        }
    }
    #expect(errors.isEmpty, "\(errors.prefix(5))")
    #expect(problems.all.isEmpty, "\(problems.all.count) mismatches, e.g. \(problems.all.prefix(5))")
    await runner.shutdown()
}
