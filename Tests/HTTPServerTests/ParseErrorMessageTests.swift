// Parse errors carry a message and an error status; the body around them is the handler's.

import Testing

@testable import HTTPServer

@Suite struct ParseErrorMessageTests {
    @Test func everyParseErrorHasAMessageAndAnErrorStatus() {
        for entry in hostileCatalogue {
            #expect(!entry.error.message.isEmpty)
            #expect((400...599).contains(entry.error.status.code))
        }
    }

    @Test func aHandlerWithoutAnErrorShapeAnswersPlainText() {
        let response = ClosureHandler { _, _ in HTTPResponse(status: .ok) }
            .serverError(.requestHeaderFieldsTooLarge, message: "too big")
        #expect(response.status.code == 431)
        #expect(response.headers["content-type"] == "text/plain; charset=utf-8")
        #expect(response.body == Array("too big".utf8))
    }
}
