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
