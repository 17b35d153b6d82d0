// The JSON error shape shared by the server and the service.

import Foundation
import Testing

@testable import HTTPServer

@Suite struct ErrorResponseTests {
    @Test func shapeAndEscaping() throws {
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

    @Test func parseErrorsUseTheirStatusAndType() throws {
        let response = HTTPResponse.parseError(.headersTooLarge)
        #expect(response.status.code == 431)
        let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: [String: String]]
        #expect(object?["error"]?["type"] == "header_fields_too_large")
        #expect(object?["error"]?["message"] == HTTPParseError.headersTooLarge.message)
    }

    @Test func everyParseErrorHasAMessageAndAnErrorStatus() {
        for entry in hostileCatalogue {
            #expect(!entry.error.message.isEmpty)
            #expect((400...599).contains(entry.error.status.code))
        }
    }
}
