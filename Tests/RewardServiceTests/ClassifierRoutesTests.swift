// N-label classifiers served over HTTP on a live server: /classify (vLLM), /predict (TEI) and POST /
// (Hugging Face Inference) give every label's probability against transformers' softmax (3-label
// RoBERTa) or per-label sigmoid (multi-label DeBERTa-v3) of the same tokenizer + model
// (Scripts/make_family_reward_fixtures.py), alone and in a batch; the one-score routes answer 422
// in their own API's shape, naming /classify; /info shows the labels and problem type.
import Foundation
import HTTPServer
import TestSupport
import Testing

@testable import RewardService

/// One input's reference outputs: every label's raw logit and its probability.
struct LabelsGolden: Decodable, Sendable {
    let prompt: String
    let response: String
    let ids: [Int32]
    let logits: [Double]
    let probs: [Double]
}

/// Probabilities: 1e-5 absolute. Raw logits (magnitude ~1): the engine's 1e-4 parity tolerance.
private func closeProbabilities(_ actual: [Double]?, _ expected: [Double]) -> Bool {
    guard let actual, actual.count == expected.count else { return false }
    return zip(actual, expected).allSatisfy { abs($0 - $1) <= 1e-5 }
}

private func closeLogits(_ actual: [Double]?, _ expected: [Double]) -> Bool {
    guard let actual, actual.count == expected.count else { return false }
    return zip(actual, expected).allSatisfy { withinScoreTolerance($0, $1) }
}

private func jsonText(_ value: Any) throws -> String {
    String(decoding: try JSONSerialization.data(withJSONObject: value), as: UTF8.self)
}

private func parsed(_ response: ClientResponse) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(response.body))
}

/// TEI's answer for one input, `[{label, score}]`, as scores in label order (and whether it came
/// sorted highest first).
private func byLabel(_ predictions: Any?, labels: [String]) -> (scores: [Double], sorted: Bool)? {
    guard let list = predictions as? [[String: Any]] else { return nil }
    let scores = list.compactMap { $0["score"] as? Double }
    let sorted = zip(scores, scores.dropFirst()).allSatisfy { $0 >= $1 }
    var byName: [String: Double] = [:]
    for item in list { if let label = item["label"] as? String { byName[label] = item["score"] as? Double } }
    let ordered = labels.compactMap { byName[$0] }
    return ordered.count == labels.count && list.count == labels.count ? (ordered, sorted) : nil
}

struct ClassifierFixture: Sendable, CustomStringConvertible {
    let name: String
    let labels: [String]
    let problemType: String
    var description: String { name }
}

let classifierFixtures = [
    ClassifierFixture(
        name: "tiny-roberta-3-labels", labels: ["negative", "neutral", "positive"],
        problemType: "single_label_classification"),
    ClassifierFixture(
        name: "tiny-deberta-v3-multi-label", labels: ["toxic", "obscene", "insult", "threat"],
        problemType: "multi_label_classification"),
]

/// A live server on the fixture, handed to `body`, shut down after. The suites using it are
/// serialized: one classifier server at a time.
private func withClassifierServer(
    _ fixture: ClassifierFixture, _ body: @Sendable (Int, [LabelsGolden]) async throws -> Void
) async throws {
    let goldens: [LabelsGolden] = try Fixtures.jsonLines(Fixtures.golden("labels-\(fixture.name).jsonl"))
    // Loading and the start-up calibration pass block: off the shared executor, so other suites'
    // waits keep running meanwhile.
    let directory = Fixtures.model(fixture.name)
    let runner = try await onThread {
        try ServiceRunner.start(
            model: try RewardModel(directory: directory), configuration: testConfiguration(), logger: quietLogger)
    }
    do {
        try await body(runner.port, goldens)
    } catch {
        await runner.shutdown()
        throw error
    }
    await runner.shutdown()
}

private func post(_ port: Int, _ path: String, _ body: Any) async throws -> ClientResponse {
    let json = try jsonText(body)
    return try await onThread { try LoopbackClient(port: port).post(path, json: json) }
}

@Suite(.serialized) struct ClassifierRoutesTests {
    @Test(arguments: classifierFixtures)
    func classifyGivesEveryLabelsProbabilityAloneAndInABatch(fixture: ClassifierFixture) async throws {
        try await withClassifierServer(fixture) { port, goldens in
            let texts = goldens.filter { $0.response.isEmpty }
            #expect(texts.count >= 4)
            let batch = try await post(port, "/classify", ["input": texts.map(\.prompt)])
            #expect(batch.status == 200, "\(batch.text)")
            let data = try #require((try parsed(batch) as? [String: Any])?["data"] as? [[String: Any]])
            #expect(data.count == texts.count)
            for (item, golden) in zip(data, texts) {
                let probs = item["probs"] as? [Double]
                #expect(closeProbabilities(probs, golden.probs), "\(fixture): \(String(describing: probs)) vs \(golden.probs)")
                let best = golden.probs.indices.max { golden.probs[$0] < golden.probs[$1] }!
                #expect(item["label"] as? String == fixture.labels[best])
                #expect(item["num_classes"] as? Int == fixture.labels.count)
            }
            // Alone: the same numbers as in the batch (batch invariance per label).
            for golden in texts.prefix(3) {
                let alone = try await post(port, "/classify", ["input": golden.prompt])
                let item = ((try parsed(alone) as? [String: Any])?["data"] as? [[String: Any]])?.first
                #expect(closeProbabilities(item?["probs"] as? [Double], golden.probs), "\(alone.text)")
            }
            // use_activation false: the raw logits.
            let raw = try await post(port, "/classify", ["input": texts.map(\.prompt), "use_activation": false])
            let rawData = try #require((try parsed(raw) as? [String: Any])?["data"] as? [[String: Any]])
            for (item, golden) in zip(rawData, texts) {
                #expect(closeLogits(item["probs"] as? [Double], golden.logits), "\(raw.text)")
            }
        }
    }

    @Test(arguments: classifierFixtures)
    func teiPredictAndInferenceRouteGiveEveryLabelSortedAloneAndInABatch(fixture: ClassifierFixture) async throws {
        try await withClassifierServer(fixture) { port, goldens in
            let inputs: [Any] = goldens.map { $0.response.isEmpty ? $0.prompt as Any : [$0.prompt, $0.response] as Any }
            let batch = try await post(port, "/predict", ["inputs": inputs])
            #expect(batch.status == 200, "\(batch.text)")
            let lists = try #require(try parsed(batch) as? [Any])
            #expect(lists.count == goldens.count)
            for (list, golden) in zip(lists, goldens) {
                let answer = byLabel(list, labels: fixture.labels)
                #expect(answer?.sorted == true, "\(fixture): not all labels, highest first: \(list)")
                #expect(closeProbabilities(answer?.scores, golden.probs), "\(fixture): \(list) vs \(golden.probs)")
            }
            // The last input is over the model's limit: truncated as transformers truncates it.
            for golden in goldens.suffix(3) + goldens.prefix(2) {
                let input: Any = golden.response.isEmpty ? golden.prompt as Any : [golden.prompt, golden.response] as Any
                // TEI answers one input with one list; Hugging Face Inference (POST /) with a list per input.
                let alone = try await post(port, "/predict", ["inputs": input])
                #expect(closeProbabilities(byLabel(try parsed(alone), labels: fixture.labels)?.scores, golden.probs), "\(alone.text)")
                let inference = try await post(port, "/", ["inputs": input])
                let first = (try parsed(inference) as? [Any])?.first
                #expect(closeProbabilities(byLabel(first, labels: fixture.labels)?.scores, golden.probs), "\(inference.text)")
                let raw = try await post(port, "/predict", ["inputs": input, "raw_scores": true])
                #expect(closeLogits(byLabel(try parsed(raw), labels: fixture.labels)?.scores, golden.logits), "\(raw.text)")
            }
            // Hugging Face Inference's parameters: top_k keeps the highest; function_to_apply none is raw.
            let golden = goldens[0]
            let pair = [golden.prompt, golden.response]
            let top = try await post(port, "/", ["inputs": pair, "parameters": ["top_k": 1]])
            let topList = try #require((try parsed(top) as? [[[String: Any]]])?.first, "\(top.text)")
            let best = golden.probs.indices.max { golden.probs[$0] < golden.probs[$1] }!
            #expect(topList.count == 1 && topList[0]["label"] as? String == fixture.labels[best], "\(top.text)")
            #expect((topList.first?["score"] as? Double).map { abs($0 - golden.probs[best]) <= 1e-5 } == true)
            let none = try await post(port, "/", ["inputs": pair, "parameters": ["function_to_apply": "none"]])
            let noneList = (try parsed(none) as? [Any])?.first
            #expect(closeLogits(byLabel(noneList, labels: fixture.labels)?.scores, golden.logits), "\(none.text)")
        }
    }

    @Test func oneScoreRoutesAnswer422InTheirOwnShapeNamingClassify() async throws {
        try await withClassifierServer(classifierFixtures[0]) { port, _ in
            let query = "What is the capital of France?"
            let routes: [(path: String, body: [String: Any], message: ([String: Any]) -> String?)] = [
                ("/score", ["prompt": query, "response": "Paris"], { ($0["error"] as? [String: Any])?["message"] as? String }),
                ("/rank", ["prompt": query, "responses": ["Paris", "Lyon"]], { ($0["error"] as? [String: Any])?["message"] as? String }),
                ("/score", ["text_1": query, "text_2": ["Paris"]], { ($0["error"] as? [String: Any])?["message"] as? String }),
                ("/v1/score", ["text_1": query, "text_2": ["Paris"]], { ($0["error"] as? [String: Any])?["message"] as? String }),
                ("/rerank", ["query": query, "texts": ["Paris"]], { $0["error_type"] as? String == "Validation" ? $0["error"] as? String : nil }),
                ("/v1/rerank", ["query": query, "documents": ["Paris"]], { $0["message"] as? String }),
                ("/v2/rerank", ["model": classifierFixtures[0].name, "query": query, "documents": ["Paris"]], { $0["message"] as? String }),
                ("/get_reward", ["query": [query]], { $0["detail"] as? String }),
            ]
            for route in routes {
                let answer = try await post(port, route.path, route.body)
                #expect(answer.status == 422, "\(route.path): \(answer.text)")
                let body = try #require(try parsed(answer) as? [String: Any], "\(route.path): \(answer.text)")
                let message = route.message(body)
                #expect(message?.contains("/classify") == true, "\(route.path): \(answer.text)")
            }
        }
    }

    @Test(arguments: classifierFixtures)
    func infoShowsTheLabelsAndProblemType(fixture: ClassifierFixture) async throws {
        try await withClassifierServer(fixture) { port, _ in
            let answer = try await onThread { try LoopbackClient(port: port).get("/info") }
            let info = try #require(try parsed(answer) as? [String: Any], "\(answer.text)")
            let model = info["model"] as? [String: Any]
            #expect(model?["labels"] as? [String] == fixture.labels)
            #expect(model?["problem_type"] as? String == fixture.problemType)
            let classifier = (info["model_type"] as? [String: Any])?["classifier"] as? [String: Any]
            #expect(classifier?["id2label"] as? [String: String] == Dictionary(uniqueKeysWithValues: fixture.labels.enumerated().map { ("\($0)", $1) }))
        }
    }
}

@Suite struct ClassifierActivationTests {
    @Test func theModelsProblemTypeChoosesTheDefaultActivation() {
        #expect(Activation.Function(problemType: nil, labelCount: 1) == .sigmoid)
        #expect(Activation.Function(problemType: "regression", labelCount: 1) == .sigmoid)
        #expect(Activation.Function(problemType: nil, labelCount: 3) == .softmax)
        #expect(Activation.Function(problemType: "single_label_classification", labelCount: 3) == .softmax)
        #expect(Activation.Function(problemType: "multi_label_classification", labelCount: 4) == .sigmoid)
        #expect(Activation.Function(problemType: "regression", labelCount: 2) == .raw)
        #expect(Activation.Function.softmax.apply([1000, 1000]) == [0.5, 0.5])
    }

    @Test func inferenceParametersPickTheActivationAndTopK() throws {
        func activation(_ json: String) throws -> Activation.Function? {
            try TEIRequest.activation(try CompatFields.body(Array(json.utf8)))
        }
        #expect(try activation(#"{"inputs": "x"}"#) == nil)
        #expect(try activation(#"{"inputs": "x", "parameters": {"function_to_apply": "SOFTMAX"}}"#) == .softmax)
        #expect(try activation(#"{"inputs": "x", "parameters": {"function_to_apply": "sigmoid"}}"#) == .sigmoid)
        #expect(try activation(#"{"inputs": "x", "parameters": {"function_to_apply": "none"}}"#) == .raw)
        #expect(try activation(#"{"inputs": "x", "raw_scores": true, "parameters": {"function_to_apply": "softmax"}}"#) == .raw)
        #expect(try activation(#"{"inputs": "x", "raw_scores": false, "parameters": {"function_to_apply": "softmax"}}"#) == .softmax)
        #expect(throws: ServiceError.self) { try activation(#"{"inputs": "x", "parameters": {"function_to_apply": "tanh"}}"#) }
        let topK = { (json: String) throws in try TEIRequest.topK(try CompatFields.body(Array(json.utf8))) }
        #expect(try topK(#"{"inputs": "x", "parameters": {"top_k": 2}}"#) == 2)
        #expect(try topK(#"{"inputs": "x"}"#) == nil)
        #expect(throws: ServiceError.validation("parameters.top_k must be at least 1, got 0")) {
            try topK(#"{"inputs": "x", "parameters": {"top_k": 0}}"#)
        }
        #expect(throws: ServiceError.self) { try topK(#"{"inputs": "x", "parameters": {"top_k": "2"}}"#) }
    }
}
