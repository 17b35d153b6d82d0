// The compatibility routes in process: each one's numbers against /score for the same pairs, the
// shapes of their answers, OpenRLHF's batch rules (empty requests, the prompt-prefix rule, 4,096
// queries through the batcher, the cost limit's message), every route's hostile bodies answered in
// its own error shape with nothing computed, its early failures (API key) in that shape, and the
// metrics labelled by route.
import Foundation
import HTTPServer
import TestSupport
import Testing

@testable import RewardService

private func object(_ response: HTTPResponse) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any], "\(response.text)")
}

private func list(_ response: HTTPResponse) throws -> [Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [Any], "\(response.text)")
}

/// Equal up to JSON round-trip noise (Foundation's JSONSerialization parses doubles to within an ulp
/// or so); the scores themselves are the same fp32 values on every route.
private func same(_ actual: [Double?]?, _ expected: [Double]) -> Bool {
    guard let actual, actual.count == expected.count else { return false }
    return zip(actual, expected).allSatisfy { got, want in got.map { abs($0 - want) <= 1e-12 * max(1, abs(want)) } ?? false }
}

private func same(_ actual: Double?, _ expected: Double) -> Bool { same([actual], [expected]) }

private let query = "What is the capital of France?"
private let documents = ["Paris is the capital of France.", "I like turtles.", "Paris, on the Seine."]

@Suite struct CompatRoutesTests {
    let model: RewardModel
    let service: RewardService

    init() throws {
        model = try loadTinyModel().0
        service = makeService(model: model)
    }

    /// Raw scores of `pairs` through /score.
    func scores(_ pairs: [Pair]) async throws -> [Double] {
        let response = await service.call(post("/score", json: try json(ScoreRequest(pairs: pairs))))
        return try response.decoded(BatchScoreResponse.self).scores
    }

    var documentPairs: [Pair] { documents.map { Pair(prompt: query, response: $0) } }

    @Test func getRewardScoresPromptPrefixedQueriesAsPairsAndOthersAsOneText() async throws {
        let body = #"{"query": ["Hi there Hello", "no prompt here", "Hi there"], "prompts": ["Hi there ", "other", ""], "labels": [1, 2, 3]}"#
        let response = await service.call(post("/get_reward", json: body))
        let answer = try object(response)
        let expected = try await scores([
            Pair(prompt: "Hi there ", response: "Hello"), Pair(prompt: "no prompt here", response: ""),
            Pair(prompt: "Hi there", response: ""),
        ])
        #expect(same(answer["rewards"] as? [Double], expected))
        #expect(same(answer["scores"] as? [Double], expected))
        #expect((answer["extra_logs"] as? [String: Any])?.isEmpty == true)
        await service.drainQueue()
    }

    @Test func getRewardWithoutPromptsAndWithEmptyListsAnswers() async throws {
        let empty = try object(await service.call(post("/get_reward", json: #"{"query": [], "prompts": [], "labels": []}"#)))
        #expect(empty["rewards"] as? [Double] == [] && empty["scores"] as? [Double] == [])
        let alone = try object(await service.call(post("/get_reward", json: #"{"query": ["a b c"], "prompts": null}"#)))
        #expect(same(alone["rewards"] as? [Double], try await scores([Pair(prompt: "a b c", response: "")])))
        await service.drainQueue()
    }

    /// Over loopback, so the 4,096 texts are tokenized on the server's handler threads as in production.
    @Test func getRewardTakes4096QueriesThroughTheBatcherInEngineBatches() async throws {
        let queries = (0..<4096).map { "query \($0 % 97) answer \($0 % 13)" }
        let body = try String(decoding: JSONSerialization.data(withJSONObject: ["query": queries]), as: UTF8.self)
        let runner = try ServiceRunner.start(model: model, configuration: testConfiguration(), logger: quietLogger)
        let port = runner.port
        let (response, metrics) = try await onThread {
            let client = try LoopbackClient(port: port, timeout: .seconds(120))
            return (try client.post("/get_reward", json: body), try client.get("/metrics").text)
        }
        await runner.shutdown()
        #expect(response.status == 200, "\(response.text)")
        let answer = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
        let rewards = try #require(answer["rewards"] as? [Double])
        #expect(rewards.count == 4096)
        let sample = [0, 1, 500, 4095]
        let expected = try await scores(sample.map { Pair(prompt: queries[$0], response: "") })
        for (index, want) in zip(sample, expected) { #expect(abs(rewards[index] - want) <= 1e-5 * max(1, abs(want))) }
        // 4,096 pairs at most 32 per engine batch (the default --max-batch-pairs).
        #expect(metricValue(metrics, #"reward_batch_size_pairs_count{model="\#(tinyModelName)"}"#) ?? 0 >= 128)
        await service.drainQueue()
    }

    @Test func getRewardOverTheCostLimitIsRefusedUpFrontNamingWhatToChange() async throws {
        let fake = FakeScoringModel()
        let limited = makeService(model: fake) { $0.requests.maxRequestTokens = 50 }
        let response = await limited.call(post("/get_reward", json: #"{"query": ["\#(String(repeating: "x", count: 40))", "yyyyyyyyyyyyyyyyyyyy"]}"#))
        #expect(response.status == .contentTooLarge)
        let detail = try #require(try object(response)["detail"] as? String)
        #expect(detail.contains("50") && detail.contains("split") && detail.contains("--request-timeout"), "\(detail)")
        #expect(fake.computedPrompts.isEmpty)
        await limited.drainQueue()
        await service.drainQueue()
    }

    @Test func vllmClassifyGivesSigmoidProbsByDefaultAndLogitsWithActivationOff() async throws {
        let raw = try await scores(documents.map { Pair(prompt: $0, response: "") })
        for (flag, activated) in [("", true), (#", "use_activation": false"#, false), (#", "activation": false"#, false), (#", "softmax": true"#, true)] {
            let response = await service.call(post("/classify", json: #"{"model": "\#(tinyModelName)", "input": \#(try json(documents))\#(flag)}"#))
            let answer = try object(response)
            let data = try #require(answer["data"] as? [[String: Any]])
            #expect(answer["object"] as? String == "list" && answer["model"] as? String == tinyModelName)
            #expect((answer["usage"] as? [String: Any])?["prompt_tokens"] as? Int ?? 0 > 0)
            for (item, score) in zip(data, raw) {
                #expect(same(item["probs"] as? [Double], [activated ? Activation.sigmoid(score) : score]), "\(flag)")
                #expect(item["num_classes"] as? Int == 1 && item["label"] as? String == "REWARD")
            }
        }
        let single = try object(await service.call(post("/classify", json: #"{"input": "\#(documents[0])"}"#)))
        #expect((single["data"] as? [Any])?.count == 1)
        await service.drainQueue()
    }

    @Test(arguments: ["/score", "/v1/score"])
    func vllmScoreFieldPairsOneToNAndNToN(path: String) async throws {
        let raw = try await scores(documentPairs)
        let bodies = [
            #"{"text_1": "\#(query)", "text_2": \#(try json(documents))}"#,
            #"{"queries": \#(try json([String](repeating: query, count: 3))), "documents": \#(try json(documents))}"#,
            #"{"model": "\#(tinyModelName)", "data_1": ["\#(query)"], "data_2": \#(try json(documents))}"#,
        ]
        for body in bodies {
            let answer = try object(await service.call(post(path, json: body)))
            let data = try #require(answer["data"] as? [[String: Any]], "\(answer)")
            #expect(same(data.map { $0["score"] as? Double }, raw.map { Activation.sigmoid($0) }))
            #expect(data.map { $0["index"] as? Int } == [0, 1, 2])
        }
        let plain = try object(await service.call(post(path, json: #"{"text_1": "a", "text_2": "b", "use_activation": false}"#)))
        #expect(same((plain["data"] as? [[String: Any]])?.first?["score"] as? Double, try await scores([Pair(prompt: "a", response: "b")])[0]))
        await service.drainQueue()
    }

    @Test func ourScoreBodyStillAnswersInOurShape() async throws {
        let response = await service.call(post("/score", json: #"{"prompt": "a", "response": "b", "text_1": "ignored"}"#))
        #expect(try response.decoded(ScoreResponse.self).score == (try await scores([Pair(prompt: "a", response: "b")]))[0])
        await service.drainQueue()
    }

    @Test func teiRerankSortsBySigmoidOrRawScores() async throws {
        let raw = try await scores(documentPairs)
        let order = raw.indices.sorted { raw[$0] > raw[$1] }
        for rawScores in [false, true] {
            let body = #"{"query": "\#(query)", "texts": \#(try json(documents)), "raw_scores": \#(rawScores), "return_text": true, "truncate": true, "truncation_direction": "Right"}"#
            let ranks = try #require(try list(await service.call(post("/rerank", json: body))) as? [[String: Any]])
            #expect(ranks.map { $0["index"] as? Int } == order)
            #expect(same(ranks.map { $0["score"] as? Double }, order.map { rawScores ? raw[$0] : Activation.sigmoid(raw[$0]) }))
            #expect(ranks.map { $0["text"] as? String } == order.map { documents[$0] })
        }
        await service.drainQueue()
    }

    @Test func teiPredictAndInferenceCallTakeTextsPairsAndBatches() async throws {
        let pairRaw = try await scores([Pair(prompt: "a", response: "b"), Pair(prompt: "solo", response: "")])
        let single = try list(await service.call(post("/predict", json: #"{"inputs": ["a", "b"]}"#))) as? [[String: Any]]
        #expect(same(single?.first?["score"] as? Double, Activation.sigmoid(pairRaw[0])))
        #expect(single?.first?["label"] as? String == "REWARD")
        let batch = try list(await service.call(post("/predict", json: #"{"inputs": [["a", "b"], "solo"], "raw_scores": true}"#))) as? [[[String: Any]]]
        #expect(same(batch?.map { $0.first?["score"] as? Double }, pairRaw))
        let inference = try list(await service.call(post("/", json: #"{"inputs": {"text": "a", "text_pair": "b"}, "parameters": {"function_to_apply": "none"}}"#))) as? [[[String: Any]]]
        #expect(same(inference?.first?.first?["score"] as? Double, pairRaw[0]))
        let text = try list(await service.call(post("/", json: #"{"inputs": "solo"}"#))) as? [[[String: Any]]]
        #expect(same(text?.first?.first?["score"] as? Double, Activation.sigmoid(pairRaw[1])))
        await service.drainQueue()
    }

    @Test func teiTokenizeGivesTheEngineTokensWithSpecialsMarked() async throws {
        let encoding = try model.encode(prompt: "Hello there", response: "")
        let tokens = try list(await service.call(post("/tokenize", json: #"{"inputs": "Hello there"}"#))) as? [[[String: Any]]]
        let first = try #require(tokens?.first)
        #expect(first.map { $0["id"] as? Int } == encoding.ids.map { Int($0) })
        #expect(first.map { $0["text"] as? String } == encoding.tokens)
        #expect(first.map { $0["special"] as? Bool } == encoding.ids.indices.map { $0 == 0 || $0 == encoding.ids.count - 1 })
        let bare = try list(await service.call(post("/tokenize", json: #"{"inputs": ["Hello there"], "add_special_tokens": false}"#))) as? [[[String: Any]]]
        #expect(bare?.first?.count == encoding.ids.count - 2)
        await service.drainQueue()
    }

    @Test(arguments: ["/v1/rerank", "/v2/rerank", "/rerank"])
    func cohereRerankGivesRawScoresHighestFirst(path: String) async throws {
        let raw = try await scores(documentPairs)
        let order = raw.indices.sorted { raw[$0] > raw[$1] }
        let body = #"{"model": "\#(tinyModelName)", "query": "\#(query)", "documents": ["\#(documents[0])", {"text": "\#(documents[1])"}, "\#(documents[2])"], "top_n": 2, "return_documents": true}"#
        let answer = try object(await service.call(post(path, json: body)))
        let results = try #require(answer["results"] as? [[String: Any]], "\(answer)")
        #expect(results.map { $0["index"] as? Int } == Array(order.prefix(2)))
        #expect(same(results.map { $0["relevance_score"] as? Double }, order.prefix(2).map { raw[$0] }))
        #expect(results.map { ($0["document"] as? [String: Any])?["text"] as? String } == order.prefix(2).map { documents[$0] })
        #expect(answer["id"] is String && answer["meta"] is [String: Any])
        await service.drainQueue()
    }

    @Test func alphaFieldAndDefaultAlphaScaleCompatScores() async throws {
        let raw = try await scores([Pair(prompt: "a b", response: "")])[0]
        let doubled = try object(await service.call(post("/get_reward", json: #"{"query": ["a b"], "alpha": 2}"#)))
        #expect(same(doubled["rewards"] as? [Double], [RewardModel.apply(alpha: 2, to: Float(raw))]))
        let halved = makeService(model: model) { $0.requests.defaultAlpha = 0.5 }
        let answer = try object(await halved.call(post("/v1/rerank", json: #"{"query": "a b", "documents": [""]}"#)))
        #expect(same((answer["results"] as? [[String: Any]])?.first?["relevance_score"] as? Double, RewardModel.apply(alpha: 0.5, to: Float(raw))))
        await halved.drainQueue()
        await service.drainQueue()
    }

    @Test func infoCarriesTEIFieldsBesideOurs() async throws {
        let info = try object(await service.call(get("/info")))
        #expect(info["model_id"] as? String == tinyModelName)
        #expect(info["max_client_batch_size"] as? Int == 64 && info["max_input_length"] as? Int == 512)
        #expect(info["auto_truncate"] as? Bool == true && info["limits"] is [String: Any])
        let classifier = (info["model_type"] as? [String: Any])?["classifier"] as? [String: Any]
        #expect(classifier?["id2label"] as? [String: String] == ["0": "REWARD"])
        await service.drainQueue()
    }
}
