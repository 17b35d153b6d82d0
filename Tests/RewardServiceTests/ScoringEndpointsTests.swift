// /score and /rank through the service's handler, no sockets, with the fake model: results, alpha,
// ordering, and every error path with its status, type and message.
import Foundation
import HTTPServer
import TestSupport
import Testing

@testable import RewardService

private func expected(_ prompt: String, _ response: String, alpha: Double = 1) -> Double {
    RewardModel.apply(alpha: alpha, to: FakeScoringModel.expectedRaw(prompt: prompt, response: response))
}

@Test func singleScoreAppliesAlphaAfterTheForwardPass() async throws {
    let service = makeService()
    defer { Task { await service.drainQueue() } }
    let plain = await service.call(post("/score", json: #"{"prompt":"hi","response":"there"}"#))
    #expect(plain.status == .ok)
    #expect(plain.headers["content-type"] == "application/json")
    #expect(try plain.decoded(ScoreResponse.self).score == expected("hi", "there"))
    let scaled = await service.call(post("/score", json: #"{"prompt":"hi","response":"there","alpha":-2.5}"#))
    #expect(try scaled.decoded(ScoreResponse.self).score == expected("hi", "there", alpha: -2.5))
}

@Test func batchScoresComeBackInInputOrder() async throws {
    let service = makeService()
    defer { Task { await service.drainQueue() } }
    let pairs = (0..<10).map { Pair(prompt: "p\($0)", response: $0 % 2 == 0 ? "" : "r\($0)") }
    let body = String(decoding: try JSONEncoder().encode(ScoreRequest(pairs: pairs, alpha: 3)), as: UTF8.self)
    let response = await service.call(post("/score", json: body))
    #expect(response.status == .ok)
    #expect(
        try response.decoded(BatchScoreResponse.self).scores == pairs.map { expected($0.prompt, $0.response, alpha: 3) }
    )
}

@Test func defaultAlphaComesFromTheConfiguration() async throws {
    let service = makeService { $0.requests.defaultAlpha = 0.5 }
    defer { Task { await service.drainQueue() } }
    let response = await service.call(post("/score", json: #"{"prompt":"a","response":"b"}"#))
    #expect(try response.decoded(ScoreResponse.self).score == expected("a", "b", alpha: 0.5))
}

@Test func rankSortsByScoreThenIndexAndKeepsTopK() async throws {
    let service = makeService()
    defer { Task { await service.drainQueue() } }
    let responses = ["a", "bb", "a", "zz", ""]
    let request = RankRequest(prompt: "q", responses: responses, topK: 3, returnText: true)
    let body = String(decoding: try JSONEncoder().encode(request), as: UTF8.self)
    let ranking = try await service.call(post("/rank", json: body)).decoded(RankResponse.self).ranking
    let all = responses.indices.map { (index: $0, score: expected("q", responses[$0])) }
        .sorted { $0.score != $1.score ? $0.score > $1.score : $0.index < $1.index }
    #expect(ranking.map(\.index) == all.prefix(3).map(\.index))
    #expect(ranking.map(\.score) == all.prefix(3).map(\.score))
    #expect(ranking.map(\.response) == all.prefix(3).map { responses[$0.index] })
    // Ties (the two "a") go to the lower index first; without return_text no text comes back.
    let tied = try await service.call(post("/rank", json: #"{"prompt":"q","responses":["a","a"]}"#))
        .decoded(RankResponse.self).ranking
    #expect(tied.map(\.index) == [0, 1])
    #expect(tied.allSatisfy { $0.response == nil })
}

@Test func topKLargerThanTheListReturnsEverything() async throws {
    let service = makeService()
    defer { Task { await service.drainQueue() } }
    let response = await service.call(post("/rank", json: #"{"prompt":"q","responses":["a","b"],"top_k":1e20}"#))
    #expect(try response.decoded(RankResponse.self).ranking.count == 2)
}

@Test func unknownFieldsAndNullOptionalsAreIgnored() async throws {
    let service = makeService()
    defer { Task { await service.drainQueue() } }
    let response = await service.call(
        post("/score", json: #"{"prompt":"a","response":"b","alpha":null,"extra":{"x":[1]},"truncate":null}"#))
    #expect(response.status == .ok)
}

/// (path, body, content type, expected status, error type, words the message must contain)
private let invalidRequests: [(String, String, String?, Int, String, [String])] = [
    ("/score", #"{"prompt":"a","response":"#, "application/json", 400, "invalid_json", ["not valid JSON"]),
    ("/score", "prompt=a", "application/x-www-form-urlencoded", 415, "unsupported_media_type", ["application/json"]),
    ("/score", #"{"prompt":"a","response":"b"}"#, "text/plain", 415, "unsupported_media_type", ["text/plain"]),
    ("/score", #"[1,2]"#, "application/json", 422, "validation_error", ["JSON object", "an array"]),
    ("/score", #"{"prompt":"a"}"#, "application/json", 422, "validation_error", ["missing field 'response'"]),
    ("/score", #"{"prompt":1,"response":"b"}"#, "application/json", 422, "validation_error", ["'prompt'", "a string"]),
    ("/score", #"{"prompt":"a","response":"b","alpha":"2"}"#, nil, 422, "validation_error", ["'alpha'", "number"]),
    ("/score", #"{"prompt":"a","response":"b","alpha":1e999}"#, nil, 422, "validation_error", ["finite"]),
    ("/score", #"{"prompt":"a","response":"b","alpha":-1e999}"#, nil, 422, "validation_error", ["finite"]),
    ("/score", #"{"prompt":"a","response":"b","alpha":1e300}"#, nil, 422, "validation_error", ["±1e30"]),
    ("/score", #"{"prompt":"a","response":"b","alpha":-3e38}"#, nil, 422, "validation_error", ["±1e30"]),
    (
        "/score", #"{"prompt":"a","response":"b","truncate":"no"}"#, nil, 422, "validation_error",
        ["'truncate'", "boolean"]
    ),
    ("/score", #"{"pairs":[]}"#, nil, 422, "validation_error", ["'pairs' must not be empty"]),
    ("/score", #"{"pairs":{}}"#, nil, 422, "validation_error", ["'pairs'", "an array"]),
    (
        "/score", #"{"pairs":[{"prompt":"a","response":"b"},{"prompt":"a"}]}"#, nil, 422, "validation_error",
        ["pairs[1].response"]
    ),
    ("/score", #"{"pairs":[{"prompt":"a","response":"b"}],"prompt":"a"}"#, nil, 422, "validation_error", ["not both"]),
    ("/rank", #"{"prompt":"a","responses":[]}"#, nil, 422, "validation_error", ["'responses' must not be empty"]),
    ("/rank", #"{"prompt":"a","responses":["x",2]}"#, nil, 422, "validation_error", ["responses[1]"]),
    ("/rank", #"{"responses":["x"]}"#, nil, 422, "validation_error", ["missing field 'prompt'"]),
    ("/rank", #"{"prompt":"a","responses":["x"],"top_k":0}"#, nil, 422, "validation_error", ["top_k", "at least 1"]),
    ("/rank", #"{"prompt":"a","responses":["x"],"top_k":1.5}"#, nil, 422, "validation_error", ["top_k", "integer"]),
    ("/rank", #"{"prompt":"a","responses":["x"],"return_text":1}"#, nil, 422, "validation_error", ["return_text"]),
]

@Test func invalidRequestsGetTheTableStatusAndAClearMessage() async throws {
    let model = FakeScoringModel()
    let service = makeService(model: model)
    defer { Task { await service.drainQueue() } }
    for (path, body, contentType, status, type, words) in invalidRequests {
        let response = await service.call(post(path, json: body, contentType: contentType))
        #expect(response.status.code == status, "\(path) \(body)")
        #expect(response.errorType == type, "\(path) \(body): \(response.text)")
        for word in words { #expect(response.errorMessage.contains(word), "\(body): \(response.errorMessage)") }
    }
    #expect(model.computedPrompts.isEmpty)
    let metrics = String(decoding: service.metrics.exposition(), as: UTF8.self)
    #expect(metricValue(metrics, #"reward_rejections_total{reason="validation"}"#) == Double(invalidRequests.count))
}

@Test func aScoreThatOverflowsFp32IsRefusedRatherThanSentAsInfinity() throws {
    #expect(throws: ServiceError.self) {
        try RequestValidation.finalScores([1, Float.greatestFiniteMagnitude], alpha: 10)
    }
    #expect(throws: ServiceError.self) { try RequestValidation.finalScores([.nan], alpha: 1) }
    let largest = try RequestValidation.finalScores([2, -3], alpha: RequestValidation.maxAlphaMagnitude)
    #expect(zip(largest, [2e30, -3e30]).allSatisfy { abs($0 - $1) <= 1e-6 * abs($1) }, "\(largest)")
}

@Test func tooManyItemsIsAValidationErrorBeforeAnythingIsQueued() async throws {
    let model = FakeScoringModel()
    let service = makeService(model: model) { $0.requests.maxItemsPerRequest = 3 }
    defer { Task { await service.drainQueue() } }
    let pairs = String(repeating: #"{"prompt":"a","response":"b"},"#, count: 4).dropLast()
    let score = await service.call(post("/score", json: "{\"pairs\":[\(pairs)]}"))
    #expect(score.status.code == 422)
    #expect(score.errorMessage.contains("4 items, more than the limit of 3"))
    let rank = await service.call(post("/rank", json: #"{"prompt":"a","responses":["1","2","3","4"]}"#))
    #expect(rank.status.code == 422)
    #expect(model.computedPrompts.isEmpty)
}

@Test func aMissingContentTypeIsReadAsJSON() async throws {
    let service = makeService()
    defer { Task { await service.drainQueue() } }
    let response = await service.call(post("/score", json: #"{"prompt":"a","response":"b"}"#, contentType: nil))
    #expect(response.status == .ok)
    let suffixed = await service.call(
        post("/score", json: #"{"prompt":"a","response":"b"}"#, contentType: "Application/JSON; charset=utf-8"))
    #expect(suffixed.status == .ok)
}

@Test func overLongPairsAreTruncatedByDefaultOrNamedWhenTruncateIsFalse() async throws {
    let model = FakeScoringModel(maxLength: 16)
    let service = makeService(model: model)
    defer { Task { await service.drainQueue() } }
    let long = String(repeating: "x", count: 40)
    let truncated = await service.call(post("/score", json: "{\"prompt\":\"\(long)\",\"response\":\"b\"}"))
    #expect(truncated.status == .ok)
    let single = await service.call(
        post("/score", json: "{\"prompt\":\"\(long)\",\"response\":\"b\",\"truncate\":false}"))
    #expect(single.status.code == 422)
    #expect(single.errorMessage.contains("the pair has 44 tokens, more than the model's limit of 16"))
    let batch = await service.call(
        post(
            "/score",
            json:
                "{\"pairs\":[{\"prompt\":\"a\",\"response\":\"b\"},{\"prompt\":\"\(long)\",\"response\":\"\"}],\"truncate\":false}"
        ))
    #expect(batch.errorMessage.contains("pairs[1] has 42 tokens"))
    let rank = await service.call(
        post("/rank", json: "{\"prompt\":\"q\",\"responses\":[\"ok\",\"\(long)\"],\"truncate\":false}"))
    #expect(rank.errorMessage.contains("responses[1] has 44 tokens"))
}

@Test func serverDefaultTruncateOffRejectsOverLongPairs() async throws {
    let service = makeService(model: FakeScoringModel(maxLength: 8)) { $0.requests.defaultTruncate = false }
    defer { Task { await service.drainQueue() } }
    let response = await service.call(post("/score", json: #"{"prompt":"abcdefgh","response":""}"#))
    #expect(response.status.code == 422)
}

@Test func engineFailureIs500WithNoDetailAndIsLoggedWithTheRequestID() async throws {
    let recorder = LogRecorder()
    let service = makeService(logger: recorder.logger)
    defer { Task { await service.drainQueue() } }
    let request = post("/score", json: #"{"prompt":"explode","response":"b"}"#)
    let response = await service.handle(request, context: .detached(logger: recorder.logger))
    #expect(response.status.code == 500)
    #expect(response.errorType == "internal_error")
    let id = try #require(response.headers["x-request-id"])
    #expect(response.errorMessage == "internal error (request \(id))")
    #expect(!response.text.contains("FakeEngineFailure"))
    let logged = recorder.all.filter { $0.level == .error }
    #expect(logged.count == 1)
    #expect(logged.first?.metadata["request.id"] == id)
    #expect(logged.first?.metadata["error"]?.contains("FakeEngineFailure") == true)
}

@Test func aClientRequestIDIsEchoedWhenPlain() async throws {
    let service = makeService()
    defer { Task { await service.drainQueue() } }
    var request = get("/health")
    request.headers.add(name: "X-Request-Id", value: "abc-123")
    #expect(await service.call(request).headers["x-request-id"] == "abc-123")
    request.headers.replaceOrAdd(name: "X-Request-Id", value: String(repeating: "x", count: 100))
    let generated = await service.call(request).headers["x-request-id"]
    #expect(generated?.count == 32 && generated?.allSatisfy(\.isHexDigit) == true)
}
