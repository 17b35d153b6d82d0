// The error table: statuses, types, Retry-After, no internal detail, and the batcher's failures.
import Batching
import HTTPServer
import Testing

@testable import RewardService

private let everyKind: [ServiceError] = [
    .malformedJSON("m"), .unsupportedMediaType("m"), .validation("m"), .notFound(path: "/x"),
    .methodNotAllowed(method: "PUT", path: "/x", allow: "GET"), .requestTooLarge("m"), .overloaded, .notReady,
    .draining, .deadlineExceeded, .clientDisconnected, .internalError("secret detail"),
    .protocolError(.badRequest, "m"),
]

@Test func theTableGivesEachKindItsStatus() {
    #expect(everyKind.map(\.status.code) == [400, 415, 422, 404, 405, 413, 429, 503, 503, 504, 499, 500, 400])
    #expect(Set(everyKind.map(\.type)).count == everyKind.count, "types must tell the kinds apart")
}

@Test func retryAfterComesWithOverloadAndUnavailabilityOnly() {
    for error in everyKind {
        let response = error.response(requestID: "r1", retryAfterSeconds: 7)
        let expected = [ServiceError.overloaded, .notReady, .draining].contains(error)
        #expect((response.headers["retry-after"] == "7") == expected, "\(error)")
        #expect(response.headers["content-type"] == "application/json")
    }
}

@Test func internalErrorsNameTheRequestButNotTheCause() {
    let response = ServiceError.internalError("secret detail").response(requestID: "req-42", retryAfterSeconds: 1)
    let text = String(decoding: response.body, as: UTF8.self)
    #expect(!text.contains("secret"))
    #expect(text.contains("req-42"))
}

@Test func batcherFailuresMapToTheirKinds() {
    #expect(ServiceError(BatchingError.overloaded) == .overloaded)
    #expect(ServiceError(BatchingError.deadlineExceeded) == .deadlineExceeded)
    #expect(ServiceError(BatchingError.cancelled) == .clientDisconnected)
    #expect(ServiceError(BatchingError.shuttingDown) == .draining)
    #expect(ServiceError(BatchingError.requestTooLarge(items: 3, tokens: 900)).status.code == 413)
    #expect(ServiceError(BatchingError.engineFailed(FakeEngineFailure())).status.code == 500)
    #expect(ServiceError(BatchingError.invalidRequest("x")).status.code == 500)
}

@Test func rejectionReasonsMatchTheMetricsLabels() {
    #expect(ServiceError.overloaded.rejectionReason == "overloaded")
    #expect(ServiceError.deadlineExceeded.rejectionReason == "timeout")
    #expect(ServiceError.clientDisconnected.rejectionReason == "disconnected")
    #expect(ServiceError.validation("x").rejectionReason == "validation")
    #expect(ServiceError.internalError("x").rejectionReason == nil)
}
