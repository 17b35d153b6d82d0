// The product's error body, and the server's own rejections shaped by the service's table.
import Foundation
import HTTPServer
import Testing

@testable import RewardService

@Test func errorBodyShapeAndEscaping() throws {
    let response = HTTPResponse.error(
        .badRequest, type: "bad_request", message: "quote \" backslash \\ newline \n tab \t bell \u{07} é",
        extraHeaders: ["Retry-After": "1"])
    #expect(response.status == .badRequest)
    #expect(response.headers["content-type"] == "application/json")
    #expect(response.headers["retry-after"] == "1")
    let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: [String: String]]
    #expect(object?["error"]?["type"] == "bad_request")
    #expect(object?["error"]?["message"] == "quote \" backslash \\ newline \n tab \t bell \u{07} é")
}

@Test func theServersOwnRejectionsUseTheServiceTable() throws {
    let service = makeService()
    defer { Task { await service.drainQueue() } }
    let expected: [(HTTPStatus, String)] = [
        (.badRequest, "bad_request"), (.requestTimeout, "request_timeout"), (.contentTooLarge, "payload_too_large"),
        (.uriTooLong, "uri_too_long"), (.requestHeaderFieldsTooLarge, "header_fields_too_large"),
        (.serviceUnavailable, "service_unavailable"), (.httpVersionNotSupported, "http_version_not_supported"),
    ]
    for (status, type) in expected {
        let response = service.serverError(status, message: "why")
        #expect(response.status == status)
        #expect(response.headers["content-type"] == "application/json")
        let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: [String: String]]
        #expect(object?["error"]?["type"] == type)
        #expect(object?["error"]?["message"] == "why")
        #expect((response.headers["retry-after"] != nil) == (status == .serviceUnavailable))
    }
}

@Test func theServersOwnRejectionsAreCountedByReason() {
    let service = makeService()
    defer { Task { await service.drainQueue() } }
    _ = service.serverError(.badRequest, message: "bad framing")
    _ = service.serverError(.requestHeaderFieldsTooLarge, message: "too big")
    _ = service.serverError(.requestTimeout, message: "slow")
    _ = service.serverError(.serviceUnavailable, message: "busy")
    let text = String(decoding: service.metrics.exposition(), as: UTF8.self)
    #expect(metricValue(text, #"reward_rejections_total{reason="malformed"}"#) == 2)
    #expect(metricValue(text, #"reward_rejections_total{reason="slow_client"}"#) == 1)
    #expect(metricValue(text, #"reward_rejections_total{reason="server_busy"}"#) == 1)
}
