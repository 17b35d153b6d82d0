// /health, /ready, /metrics, /info, /openapi.json and routing errors through the handler, no sockets.
import Foundation
import HTTPServer
import TestSupport
import Testing

@testable import RewardService

@Test func healthAnswersInEveryStateWithoutTheEngine() async throws {
    let model = FakeScoringModel()
    let service = RewardService(model: model, configuration: testConfiguration(), logger: quietLogger)
    defer { Task { await service.drainQueue() } }
    model.hold()  // an engine stuck in a batch must not delay /health
    for readiness in [Readiness.starting, .ready, .draining] {
        if readiness == .ready { service.markReady() }
        if readiness == .draining { service.markDraining() }
        let response = await service.call(get("/health"))
        #expect(response.status == .ok)
        #expect(try response.decoded(HealthResponse.self).status == "ok")
    }
    #expect(model.batches.isEmpty)
    model.release()
}

@Test func readyFollowsTheLifecycleAndScoringIsRefusedWhenNotReady() async throws {
    let service = RewardService(model: FakeScoringModel(), configuration: testConfiguration(), logger: quietLogger)
    defer { Task { await service.drainQueue() } }
    let score = post("/score", json: #"{"prompt":"a","response":"b"}"#)

    let starting = await service.call(get("/ready"))
    #expect(starting.status.code == 503)
    #expect(starting.errorType == "not_ready")
    #expect(starting.headers["retry-after"] == "1")
    let early = await service.call(score)
    #expect(early.status.code == 503)
    #expect(early.headers["retry-after"] == "1")

    service.markReady()
    #expect(await service.call(get("/ready")).status == .ok)
    #expect(await service.call(score).status == .ok)

    service.markDraining()
    let draining = await service.call(get("/ready"))
    #expect(draining.status.code == 503)
    #expect(draining.errorType == "shutting_down")
    #expect(draining.headers["retry-after"] != nil)
    #expect(await service.call(score).errorType == "shutting_down")
}

@Test func unknownPathsAre404AndWrongMethods405WithAllow() async throws {
    let service = makeService()
    defer { Task { await service.drainQueue() } }
    let missing = await service.call(get("/nope"))
    #expect(missing.status.code == 404)
    #expect(missing.errorType == "not_found")
    let wrong = await service.call(get("/score"))
    #expect(wrong.status.code == 405)
    #expect(wrong.errorType == "method_not_allowed")
    #expect(wrong.headers["allow"] == "POST")
    let postHealth = await service.call(post("/health", json: "{}"))
    #expect(postHealth.headers["allow"] == "GET, HEAD")
    let head = await service.call(HTTPRequest(method: "HEAD", target: "/health"))
    #expect(head.status == .ok)
}

@Test func metricsCountRequestsByEndpointAndStatus() async throws {
    let service = makeService()
    defer { Task { await service.drainQueue() } }
    _ = await service.call(post("/score", json: #"{"prompt":"a","response":"b"}"#))
    _ = await service.call(
        post("/score", json: #"{"pairs":[{"prompt":"a","response":"b"},{"prompt":"c","response":""}]}"#))
    _ = await service.call(post("/score", json: "{"))
    _ = await service.call(get("/nope/\(UUID())"))
    let response = await service.call(get("/metrics"))
    #expect(response.status == .ok)
    #expect(response.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
    let text = response.text
    #expect(metricValue(text, #"reward_http_requests_total{endpoint="/score",status="200"}"#) == 2)
    #expect(metricValue(text, #"reward_http_requests_total{endpoint="/score",status="400"}"#) == 1)
    #expect(metricValue(text, #"reward_http_requests_total{endpoint="other",status="404"}"#) == 1)
    // The batcher's series carry the served model's name (the fake's directory name).
    #expect(metricValue(text, #"reward_pairs_scored_total{model="model"}"#) == 3)
    #expect(metricValue(text, #"reward_http_request_duration_seconds_count{endpoint="/score"}"#) == 3)
    #expect(metricValue(text, #"reward_http_request_duration_seconds_count{endpoint="other"}"#) == 1)
    #expect(metricValue(text, #"reward_build_info{version="\#(RewardService.version)"}"#) == 1)
    #expect(metricValue(text, #"reward_queue_depth_pairs{model="model"}"#) == 0)
    for name in [
        "reward_queue_wait_seconds_count", "reward_engine_batch_seconds_count", "reward_batch_size_pairs_count",
        "reward_batch_size_tokens_count", "reward_tokens_scored_total",
    ] {
        #expect(metricValue(text, name + #"{model="model"}"#) != nil, "\(name) missing")
    }
    #expect(metricValue(text, "reward_model_load_seconds") != nil)
    for reason in ["overloaded", "timeout", "disconnected", "validation"] {
        #expect(metricValue(text, #"reward_rejections_total{reason="\#(reason)"}"#) != nil)
    }
}

@Test func infoReportsTheModelLimitsAndBatching() async throws {
    let service = makeService {
        $0.requests.maxItemsPerRequest = 7
        $0.batching.maxBatchTokens = 1234
        $0.http.limits.maxBodyBytes = 999
    }
    defer { Task { await service.drainQueue() } }
    let info = try await service.call(get("/info")).decoded(ServiceInfo.self)
    #expect(info.version == RewardService.version)
    #expect(info.model == FakeScoringModel().modelDescription)
    #expect(info.limits.maxItemsPerRequest == 7)
    #expect(info.limits.maxBodyBytes == 999)
    #expect(info.batching.maxBatchTokens == 1234)
}

@Test func openAPIDocumentIsJSONAndCarriesTheLimitsInForce() async throws {
    let service = makeService { $0.requests.maxItemsPerRequest = 9 }
    defer { Task { await service.drainQueue() } }
    let response = await service.call(get("/openapi.json"))
    let document = try #require(try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    #expect(document["openapi"] as? String == "3.1.0")
    let paths = try #require(document["paths"] as? [String: Any])
    #expect(Set(paths.keys) == ServiceMetrics.endpoints)
    #expect(response.text.contains(#""maxItems": 9"#))
    // Every status the error table can send to a client on a scoring route is documented there.
    let score = try #require((paths["/score"] as? [String: Any])?["post"] as? [String: Any])
    let documented = Set((score["responses"] as? [String: Any] ?? [:]).keys)
    for error in [
        ServiceError.malformedJSON(""), .unsupportedMediaType(""), .validation(""), .requestTooLarge(""),
        .overloaded, .notReady, .deadlineExceeded, .internalError(""),
    ] {
        #expect(documented.contains("\(error.status.code)"), "\(error) not documented")
    }
}

@Test func everyRequestIsLoggedAtDebugUnderItsRequestID() async throws {
    let recorder = LogRecorder()
    let service = makeService(logger: recorder.logger)
    defer { Task { await service.drainQueue() } }
    var request = post("/score", json: #"{"prompt":"a","response":"b"}"#)
    request.headers.add(name: "X-Request-Id", value: "client-7")
    let response = await service.handle(request, context: .arriving(with: request.headers, logger: recorder.logger))
    #expect(response.headers["x-request-id"] == "client-7")
    _ = await service.handle(get("/nowhere"), context: .detached(logger: recorder.logger))
    let lines = recorder.all.filter { $0.message == "request" }
    #expect(lines.count == 2)
    #expect(lines.allSatisfy { $0.level == .debug && $0.metadata["seconds"] != nil })
    #expect(lines[0].metadata["request.id"] == "client-7")
    #expect(lines[0].metadata["status"] == "200" && lines[0].metadata["path"] == "/score")
    #expect(lines[1].metadata["status"] == "404" && lines[1].metadata["request.id"]?.count == 32)
}
