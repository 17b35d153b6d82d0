// Hostile and malformed bodies on every compatibility route: a 4xx in that route's own error shape
// (FastAPI's detail, vLLM's OpenAI-style error with 400 for validation, TEI's error/error_type,
// Cohere's message), and nothing reaches the engine. Also the early failures (API key, readiness)
// in those shapes, and the per-route metrics labels.
import Foundation
import HTTPServer
import TestSupport
import Testing

@testable import RewardService

enum Shape: String, CaseIterable, Sendable {
    case fastAPI, openAI, tei, cohere

    /// Whether `body` is this shape's error body with a non-empty message.
    func matches(_ response: HTTPResponse) -> Bool {
        guard let body = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any] else {
            return false
        }
        switch self {
        case .fastAPI: return (body["detail"] as? String)?.isEmpty == false && body.count == 1
        case .cohere: return (body["message"] as? String)?.isEmpty == false && body.count == 1
        case .tei: return (body["error"] as? String)?.isEmpty == false && body["error_type"] is String
        case .openAI:
            let error = body["error"] as? [String: Any]
            return (error?["message"] as? String)?.isEmpty == false && error?["type"] is String
                && error?["code"] as? Int == response.status.code
        }
    }
}

struct HostileCase: Sendable, CustomStringConvertible {
    var path: String
    var body: String
    var status: Int
    var description: String { "\(path) \(body.prefix(60)) → \(status)" }

    var shape: Shape {
        switch path {
        case "/get_reward": .fastAPI
        case "/classify", "/v1/score", "/score": .openAI
        case "/v1/rerank", "/v2/rerank": .cohere
        default: body.contains("documents") ? .cohere : .tei
        }
    }
}

private let deep = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
private let tooMany = "[" + Array(repeating: #""x""#, count: 65).joined(separator: ",") + "]"

let hostileCases: [HostileCase] = [
    // OpenRLHF (FastAPI: 422 for validation, 400 for bad JSON)
    .init(path: "/get_reward", body: "{", status: 400),
    .init(path: "/get_reward", body: "[]", status: 422),
    .init(path: "/get_reward", body: #"{"query": "one string"}"#, status: 422),
    .init(path: "/get_reward", body: #"{"query": ["a", 5]}"#, status: 422),
    .init(path: "/get_reward", body: #"{"query": ["a"], "prompts": ["a", "b"]}"#, status: 422),
    .init(path: "/get_reward", body: #"{"query": ["a"], "alpha": 1e999}"#, status: 422),
    .init(path: "/get_reward", body: #"{"query": \#(deep)}"#, status: 400),
    // vLLM (OpenAI-style, validation as 400)
    .init(path: "/classify", body: #"{"input": 5}"#, status: 400),
    .init(path: "/classify", body: #"{"input": []}"#, status: 400),
    .init(path: "/classify", body: #"{"input": \#(tooMany)}"#, status: 413),
    .init(path: "/classify", body: #"{"input": "a", "use_activation": "yes"}"#, status: 400),
    .init(path: "/classify", body: #"{"input": "a""#, status: 400),
    .init(path: "/v1/score", body: #"{"text_1": "a"}"#, status: 400),
    .init(path: "/v1/score", body: #"{"text_1": ["a", "b"], "text_2": ["c", "d", "e"]}"#, status: 400),
    .init(path: "/v1/score", body: #"{}"#, status: 400),
    .init(path: "/score", body: #"{"text_1": 3, "text_2": "b"}"#, status: 400),
    .init(path: "/score", body: #"{"queries": ["a"], "documents": []}"#, status: 400),
    // TEI (422 validation, 413 size)
    .init(path: "/rerank", body: #"{"query": "q"}"#, status: 422),
    .init(path: "/rerank", body: #"{"query": "q", "texts": []}"#, status: 422),
    .init(path: "/rerank", body: #"{"query": "q", "texts": \#(tooMany)}"#, status: 413),
    .init(path: "/rerank", body: #"{"query": "q", "texts": ["a"], "truncation_direction": "Left"}"#, status: 422),
    .init(path: "/rerank", body: #"{"query": "q", "texts": ["a"], "raw_scores": 1}"#, status: 422),
    .init(path: "/predict", body: #"{"inputs": 7}"#, status: 422),
    .init(path: "/predict", body: #"{"inputs": [["a", "b", "c"]]}"#, status: 422),
    .init(path: "/predict", body: #"{"inputs": []}"#, status: 422),
    .init(path: "/tokenize", body: #"{"inputs": {"a": 1}}"#, status: 422),
    .init(path: "/", body: #"{"inputs": {"text_pair": "b"}}"#, status: 422),
    .init(path: "/", body: #"{"inputs": "a", "parameters": {"function_to_apply": "tanh"}}"#, status: 422),
    .init(path: "/", body: "{nope", status: 400),
    // Cohere / Jina
    .init(path: "/v1/rerank", body: #"{"query": "q", "documents": []}"#, status: 422),
    .init(path: "/v1/rerank", body: #"{"query": "q", "documents": [{"title": "no text"}]}"#, status: 422),
    .init(path: "/v2/rerank", body: #"{"query": "q", "documents": ["a"], "top_n": 0}"#, status: 422),
    .init(path: "/v2/rerank", body: #"{"documents": ["a"]}"#, status: 422),
    .init(path: "/v2/rerank", body: #"{"query": "q", "documents": \#(tooMany)}"#, status: 413),
    .init(path: "/rerank", body: #"{"query": 1, "documents": ["a"]}"#, status: 422),
]

@Suite struct CompatErrorShapesTests {
    @Test(arguments: hostileCases)
    func hostileBodyIsRefusedInTheRoutesShapeWithNothingComputed(_ hostile: HostileCase) async throws {
        let model = FakeScoringModel()
        let service = makeService(model: model)
        let response = await service.call(post(hostile.path, json: hostile.body))
        #expect(response.status.code == hostile.status, "\(hostile): \(response.text)")
        #expect(hostile.shape.matches(response), "\(hostile): \(response.text)")
        #expect(model.computedPrompts.isEmpty)
        await service.drainQueue()
    }

    @Test(arguments: [
        ("/get_reward", Shape.fastAPI), ("/classify", .openAI), ("/v1/score", .openAI), ("/rerank", .tei),
        ("/predict", .tei), ("/tokenize", .tei), ("/", .tei), ("/v1/rerank", .cohere), ("/v2/rerank", .cohere),
    ])
    func missingAPIKeyAndNotReadyAreAnsweredInTheRoutesShape(path: String, shape: Shape) async throws {
        let keyed = makeService { $0.authorization = BearerAuthorization(key: "secret") }
        let unauthorized = await keyed.call(post(path, json: "{}"))
        #expect(unauthorized.status == .unauthorized && shape.matches(unauthorized), "\(unauthorized.text)")
        #expect(unauthorized.headers["www-authenticate"] != nil)
        await keyed.drainQueue()
        let starting = RewardService(model: FakeScoringModel(), configuration: testConfiguration(), logger: quietLogger)
        let notReady = await starting.call(post(path, json: "{}"))
        #expect(notReady.status == .serviceUnavailable && shape.matches(notReady), "\(notReady.text)")
        #expect(notReady.headers["retry-after"] != nil)
        await starting.drainQueue()
    }

    @Test func requestsAreCountedUnderTheirRoute() async throws {
        let service = makeService()
        _ = await service.call(post("/get_reward", json: #"{"query": []}"#))
        _ = await service.call(post("/v2/rerank", json: #"{"query": "q", "documents": []}"#))
        let metrics = String(decoding: service.metrics.exposition(), as: UTF8.self)
        #expect(metricValue(metrics, #"reward_http_requests_total{endpoint="/get_reward",status="200"}"#) == 1)
        #expect(metricValue(metrics, #"reward_http_requests_total{endpoint="/v2/rerank",status="422"}"#) == 1)
        await service.drainQueue()
    }
}
