// --api-key: scoring routes need `Authorization: Bearer <key>`; operational routes stay open.
import Foundation
import HTTPServer
import Testing

@testable import RewardService

private func withAuthorization(_ header: String?, _ request: HTTPRequest) -> HTTPRequest {
    var request = request
    if let header { request.headers.add(name: "Authorization", value: header) }
    return request
}

@Test func scoringRoutesNeedTheKeyWhenOneIsConfigured() async throws {
    let model = FakeScoringModel()
    let service = makeService(model: model) { $0.authorization = BearerAuthorization(key: "s3cret-key") }
    defer { Task { await service.drainQueue() } }
    let score = post("/score", json: #"{"prompt":"a","response":"b"}"#)
    let rank = post("/rank", json: #"{"prompt":"a","responses":["b","c"]}"#)
    for request in [score, rank] {
        for header in [
            nil, "", "Bearer", "Bearer ", "Bearer s3cret-ke", "Bearer s3cret-key ", "Bearer s3cret-keyy",
            "Basic s3cret-key", "s3cret-key", "Bearer S3CRET-KEY", "Bearer  s3cret-key",
        ] {
            let response = await service.call(withAuthorization(header, request))
            #expect(response.status.code == 401, "\(request.path) \(header ?? "no header")")
            #expect(response.errorType == "unauthorized")
            #expect(response.headers["www-authenticate"] == #"Bearer realm="reward-server""#)
            #expect(response.headers["x-request-id"] != nil)
            #expect(!response.text.contains("s3cret"))
        }
        for header in ["Bearer s3cret-key", "bearer s3cret-key", "BEARER s3cret-key"] {
            let response = await service.call(withAuthorization(header, request))
            #expect(response.status == .ok, "\(request.path) \(header): \(response.text)")
        }
    }
    // Refused requests never reach the engine: only the accepted calls did (3 scores, 3 × 2 ranked).
    #expect(model.computedPrompts.count == 9)
    let metrics = await service.call(get("/metrics")).text
    #expect(metricValue(metrics, #"reward_rejections_total{reason="unauthorized"}"#) == 22)
}

@Test func operationalRoutesStayOpenWithAKey() async throws {
    let service = makeService { $0.authorization = BearerAuthorization(key: "k") }
    defer { Task { await service.drainQueue() } }
    for path in ["/health", "/ready", "/metrics", "/info", "/openapi.json"] {
        #expect(await service.call(get(path)).status == .ok, "\(path)")
    }
    let document = await service.call(get("/openapi.json")).text
    #expect(document.contains(#""security": [{"apiKey": []}]"#))
}

@Test func withoutAKeyNoHeaderIsNeeded() async throws {
    let service = makeService()
    defer { Task { await service.drainQueue() } }
    #expect(await service.call(post("/score", json: #"{"prompt":"a","response":"b"}"#)).status == .ok)
    #expect(!(await service.call(get("/openapi.json")).text.contains(#""security""#)))
}

@Test func anEmptyKeyIsNoKey() {
    #expect(BearerAuthorization(key: nil) == nil)
    #expect(BearerAuthorization(key: "") == nil)
}

@Test func constantTimeComparisonIsExactEquality() {
    let cases: [([UInt8], [UInt8], Bool)] = [
        ([], [], true), ([1], [1], true), ([1, 2, 3], [1, 2, 3], true), ([1], [], false), ([], [1], false),
        ([1, 2, 3], [1, 2, 4], false), ([0], [], false), ([1, 2], [1, 2, 0], false), ([255], [127], false),
    ]
    for (a, b, equal) in cases {
        #expect(BearerAuthorization.constantTimeEqual(a, b) == equal, "\(a) vs \(b)")
    }
}
