// Request identity: the client's id when plain, else 128 random bits; the logger carries it.

import Logging
import Testing

@testable import HTTPServer

@Suite struct RequestContextTests {
    @Test func aPlainClientIdIsKept() {
        let logger = Logger(label: "t", factory: { StreamLogHandler.standardError(label: $0) })
        let context = RequestContext.arriving(with: ["X-Request-Id": "trace-42"], logger: logger)
        #expect(context.requestID == "trace-42")
        #expect(context.logger[metadataKey: "request.id"] == "trace-42")
    }

    @Test func oversizedOrControlIdsAreReplaced() {
        for bad in [String(repeating: "a", count: 65), "has space", "tab\there", ""] {
            let context = RequestContext.arriving(with: ["X-Request-Id": bad], logger: quietLogger)
            #expect(context.requestID != bad)
            #expect(context.requestID.count == 32)
        }
    }

    @Test func generatedIdsAreRandomHexAndUnique() {
        let ids = (0..<2000).map { _ in RequestID.random() }
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.count == 32 && $0.allSatisfy(\.isHexDigit) })
        // Not a counter: consecutive ids share no long common prefix.
        #expect(ids[0].prefix(8) != ids[1].prefix(8) || ids[1].prefix(8) != ids[2].prefix(8))
    }

    @Test func stampingSetsTheResponseHeader() {
        let context = RequestContext(requestID: "abc", logger: quietLogger)
        var response = HTTPResponse(status: .ok, headers: ["X-Request-Id": "other"])
        response = context.stamped(response)
        #expect(response.headers.values(for: "x-request-id") == ["abc"])
    }
}
