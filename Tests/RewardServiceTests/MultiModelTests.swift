// Two real models in one service (the tiny BERT and the tiny RoBERTa fixtures): each request's
// scores are its model's, scored directly; no `model` means the default; an unknown name is a 404
// naming the served models in each route's dialect; concurrent clients on both never get the other's
// scores; /info, /v1/models and the metrics' `model` label list and count each model.
import Foundation
import HTTPServer
import TestSupport
import Testing

@testable import RewardService

private func object(_ response: HTTPResponse) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any], "\(response.text)")
}

/// Batched scores may differ from one-at-a-time ones by fp32 rounding in the packed products.
private func close(_ actual: [Double], _ expected: [Double]) -> Bool {
    actual.count == expected.count
        && zip(actual, expected).allSatisfy { abs($0 - $1) <= 1e-5 * max(1, abs($1)) }
}

private let unknownMessage = #"model "nope" is not served; served models: bert, roberta"#

@Suite struct MultiModelTests {
    let bert: RewardModel
    let roberta: RewardModel
    let service: RewardService

    init() throws {
        bert = try RewardModel(directory: Fixtures.model(tinyModelName))
        roberta = try RewardModel(directory: Fixtures.model("tiny-roberta-st"))
        service = RewardService(
            models: [ModelEntry(name: "bert", model: bert), ModelEntry(name: "roberta", model: roberta)],
            configuration: testConfiguration(), logger: quietLogger)
        service.markReady()
    }

    /// Each pair scored alone by `model`, × alpha.
    func direct(_ model: RewardModel, _ pairs: [Pair], alpha: Double = 1) throws -> [Double] {
        try model.scores(pairs.map { ($0.prompt, $0.response, alpha) })
    }

    let pairs = [
        Pair(prompt: "What is the capital of France?", response: "Paris."),
        Pair(prompt: "Say hello", response: "Hello there, friend!"),
        Pair(prompt: "2 + 2", response: "five"),
    ]

    @Test func nativeRoutesScoreOnTheNamedModelAndTheDefaultWithoutOne() async throws {
        let expectedBert = try direct(bert, pairs)
        let expectedRoberta = try direct(roberta, pairs)
        #expect(!close(expectedBert, expectedRoberta), "the two fixtures must score differently")

        let cases = [("\"roberta\"", expectedRoberta), ("\"bert\"", expectedBert), ("null", expectedBert)]
        for (model, expected) in cases {
            let body = #"{"model": \#(model), "pairs": \#(try json(pairs))}"#
            let scores = try await service.call(post("/score", json: body)).decoded(BatchScoreResponse.self).scores
            #expect(close(scores, expected), "\(model)")
        }
        let absent = await service.call(post("/score", json: try json(ScoreRequest(pairs: pairs))))
        #expect(close(try absent.decoded(BatchScoreResponse.self).scores, expectedBert))

        let one = ScoreRequest(prompt: pairs[0].prompt, response: pairs[0].response, model: "roberta")
        let single = await service.call(post("/score", json: try json(one)))
        #expect(close([try single.decoded(ScoreResponse.self).score], [expectedRoberta[0]]))

        let candidates = RankRequest(prompt: "Say hello", responses: ["Hello there, friend!"], alpha: 2, model: "roberta")
        let rank = await service.call(post("/rank", json: try json(candidates)))
        let ranked = try rank.decoded(RankResponse.self).ranking
        #expect(close(ranked.map(\.score), try direct(roberta, [pairs[1]], alpha: 2)))
        await service.drainQueue()
    }

    @Test func anUnknownModelIsA404NamingTheServedModelsInEachDialect() async throws {
        let native = await service.call(post("/score", json: #"{"model": "nope", "prompt": "a", "response": "b"}"#))
        #expect(native.status == .notFound)
        #expect(native.errorType == "model_not_found")
        #expect(native.errorMessage == unknownMessage)
        let rank = await service.call(post("/rank", json: #"{"model": "nope", "prompt": "a", "responses": ["b"]}"#))
        #expect(rank.status == .notFound && rank.errorMessage == unknownMessage)

        for path in ["/v1/score", "/score"] {
            let vllm = await service.call(post(path, json: #"{"model": "nope", "text_1": "a", "text_2": ["b"]}"#))
            #expect(vllm.status == .notFound, "\(path)")
            let error = try #require(try object(vllm)["error"] as? [String: Any])
            #expect(error["message"] as? String == unknownMessage && error["type"] as? String == "NotFoundError")
        }
        let classify = await service.call(post("/classify", json: #"{"model": "nope", "input": ["a"]}"#))
        #expect(classify.status == .notFound)

        for path in ["/v1/rerank", "/v2/rerank", "/rerank"] {
            let cohere = await service.call(post(path, json: #"{"model": "nope", "query": "a", "documents": ["b"]}"#))
            #expect(cohere.status == .notFound, "\(path)")
            #expect(try object(cohere)["message"] as? String == unknownMessage, "\(path)")
        }
        let openRLHF = await service.call(post("/get_reward", json: #"{"model": "nope", "query": ["a"]}"#))
        let detail = try object(openRLHF)["detail"] as? String
        #expect(openRLHF.status == .notFound && detail == unknownMessage)
        // Nothing was computed for any of them.
        #expect(metricValue(service.metrics.text, #"reward_pairs_scored_total{model="bert"}"#) == 0)
        #expect(metricValue(service.metrics.text, #"reward_pairs_scored_total{model="roberta"}"#) == 0)
        await service.drainQueue()
    }

    @Test func compatibilityRoutesUseTheirModelFieldAndNameTheModelThatScored() async throws {
        let expectedRoberta = try direct(roberta, pairs)
        let body = #"""
            {"model": "roberta", "text_1": "\#(pairs[0].prompt)", "text_2": ["\#(pairs[0].response)"], "use_activation": false}
            """#
        let vllm = try object(await service.call(post("/v1/score", json: body)))
        let vllmScore = try #require((vllm["data"] as? [[String: Any]])?.first?["score"] as? Double)
        #expect(close([vllmScore], [expectedRoberta[0]]) && vllm["model"] as? String == "roberta")

        let cohereBody = #"{"model": "roberta", "query": "Say hello", "documents": ["Hello there, friend!"]}"#
        let cohere = try object(await service.call(post("/v1/rerank", json: cohereBody)))
        let relevance = try #require((cohere["results"] as? [[String: Any]])?.first?["relevance_score"] as? Double)
        #expect(close([relevance], [expectedRoberta[1]]) && cohere["model"] as? String == "roberta")

        let classify = try object(
            await service.call(post("/classify", json: #"{"model": "bert", "input": ["2 + 2"], "use_activation": false}"#)))
        let probs = try #require((classify["data"] as? [[String: Any]])?.first?["probs"] as? [Double])
        #expect(close(probs, try direct(bert, [Pair(prompt: "2 + 2", response: "")])))
        #expect(classify["model"] as? String == "bert")

        // TEI's routes carry no model: the default answers.
        let tei = await service.call(post("/rerank", json: #"{"query": "2 + 2", "texts": ["five"], "raw_scores": true}"#))
        let teiRanks = try JSONSerialization.jsonObject(with: Data(tei.body)) as? [[String: Any]]
        let teiScore = try #require(teiRanks?.first?["score"] as? Double)
        #expect(close([teiScore], [try direct(bert, [pairs[2]])[0]]))
        await service.drainQueue()
    }

    @Test func infoModelsAndMetricsListEveryModel() async throws {
        _ = await service.call(post("/score", json: #"{"model": "roberta", "pairs": \#(try json(pairs))}"#))
        _ = await service.call(post("/score", json: #"{"prompt": "a", "response": "b"}"#))

        let info = try object(await service.call(get("/info")))
        #expect((info["model"] as? [String: Any])?["path"] as? String == Fixtures.model(tinyModelName).path)
        let models = try #require(info["models"] as? [[String: Any]])
        #expect(models.map { $0["name"] as? String } == ["bert", "roberta"])
        #expect(models.map { $0["default"] as? Bool } == [true, false])
        #expect((models[1]["model"] as? [String: Any])?["path"] as? String == Fixtures.model("tiny-roberta-st").path)
        #expect(info["model_id"] as? String == "bert")

        let list = try object(await service.call(get("/v1/models")))
        #expect((list["data"] as? [[String: Any]])?.map { $0["id"] as? String } == ["bert", "roberta"])

        let text = service.metrics.text
        #expect(metricValue(text, #"reward_pairs_scored_total{model="roberta"}"#) == 3)
        #expect(metricValue(text, #"reward_pairs_scored_total{model="bert"}"#) == 1)
        #expect(metricValue(text, #"reward_batch_size_pairs_count{model="bert"}"#) == 1)
        #expect(metricValue(text, #"reward_queue_depth_pairs{model="roberta"}"#) == 0)
        await service.drainQueue()
    }

    /// 16 clients × 10 requests, alternating models and texts, all in flight together.
    @Test func concurrentClientsOnBothModelsNeverGetTheOthersScores() async throws {
        let texts = (0..<10).map { Pair(prompt: "question \($0)", response: "answer number \($0 * 7)") }
        let expectedBert = try direct(bert, texts)
        let expectedRoberta = try direct(roberta, texts)
        let service = self.service
        let mismatches = await withTaskGroup(of: [String].self) { group in
            for client in 0..<16 {
                group.addTask {
                    var wrong: [String] = []
                    for request in 0..<10 {
                        let useRoberta = (client + request) % 2 == 0
                        let text = texts[(client * 3 + request) % texts.count]
                        let index = texts.firstIndex(of: text)!
                        let request = ScoreRequest(
                            prompt: text.prompt, response: text.response, model: useRoberta ? "roberta" : "bert")
                        let body = (try? json(request)) ?? ""
                        let response = await service.call(post("/score", json: body))
                        let score = (try? response.decoded(ScoreResponse.self))?.score ?? .nan
                        let expected = useRoberta ? expectedRoberta[index] : expectedBert[index]
                        if !close([score], [expected]) {
                            wrong.append("client \(client) request \(request): \(score) ≠ \(expected)")
                        }
                    }
                    return wrong
                }
            }
            var all: [String] = []
            for await wrong in group { all += wrong }
            return all
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
        let text = service.metrics.text
        #expect(metricValue(text, #"reward_pairs_scored_total{model="roberta"}"#) == 80)
        #expect(metricValue(text, #"reward_pairs_scored_total{model="bert"}"#) == 80)
        await service.drainQueue()
    }
}

extension ServiceMetrics {
    var text: String { String(decoding: exposition(), as: UTF8.self) }
}

/// An unnamed model answers to its directory's name (what /v1/models reports) and to its aliases
/// (the `--model` value as given); anything else is a 404 naming the served name only.
@Test func anUnnamedModelAnswersToItsDirectoryNameAndItsAliases() async throws {
    let service = RewardService(
        models: [ModelEntry(model: FakeScoringModel(), aliases: ["org/fake-reward"])],
        configuration: testConfiguration(), logger: quietLogger)
    service.markReady()
    for name in ["model", "org/fake-reward"] {
        let body = #"{"model": "\#(name)", "prompt": "a", "response": "b"}"#
        let response = await service.call(post("/score", json: body))
        #expect(response.status == .ok, "\(name): \(response.text)")
    }
    let unknown = await service.call(post("/v1/rerank", json: #"{"model": "rerank-v3.5", "query": "a", "documents": ["b"]}"#))
    #expect(unknown.status == .notFound)
    #expect(try object(unknown)["message"] as? String == #"model "rerank-v3.5" is not served; served models: model"#)
    let list = try object(await service.call(get("/v1/models")))
    #expect((list["data"] as? [[String: Any]])?.map { $0["id"] as? String } == ["model"])
    await service.drainQueue()
}

/// Engines share one scratch workspace, grown to the widest model that has run: the tiny model
/// (32 wide), then MiniLM (384 wide, real weights), then the tiny one again each still match
/// transformers.
@Test func modelsOfDifferentWidthsShareTheWorkspaceAndStayExact() throws {
    let (tiny, tinyGoldens) = try loadTinyModel()
    let directory = try assembleMiniLM(layout: "v2")
    defer { try? FileManager.default.removeItem(at: directory) }
    let miniLM = try RewardModel(directory: directory)
    let miniLMGoldens: [ScoreGolden] = try Fixtures.jsonLines(Fixtures.root.appendingPathComponent("minilm/scores-v2.jsonl"))
    try expectParity(tiny, Array(tinyGoldens.prefix(30)), label: "tiny, before MiniLM")
    try expectParity(miniLM, Array(miniLMGoldens.filter { $0.ids.count <= 256 }.prefix(30)), label: "MiniLM, after tiny")
    try expectParity(tiny, Array(tinyGoldens.prefix(30)), label: "tiny, after MiniLM")
}
