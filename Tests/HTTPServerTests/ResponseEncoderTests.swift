// Wire format of responses: status line per client version, server-owned headers, HEAD,
// statuses without a body, and fields that would break framing.

import Testing

@testable import HTTPServer

@Suite struct ResponseEncoderTests {
    private let encoder = ResponseEncoder(serverName: "test-server")
    private let date = bytes("Sun, 06 Nov 1994 08:49:37 GMT")

    private func encode(_ response: HTTPResponse, _ framing: ResponseFraming) -> String {
        var out: [UInt8] = []
        encoder.encode(.response(response, framing), date: date, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func keepAliveHTTP11() {
        let text = encode(
            HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain"], body: bytes("hi")),
            ResponseFraming(version: .http1_1, keepAlive: true, isHead: false))
        #expect(
            text == "HTTP/1.1 200 OK\r\nServer: test-server\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                + "Content-Type: text/plain\r\nContent-Length: 2\r\n\r\nhi")
    }

    @Test func http10KeepAliveAndClose() {
        let kept = encode(HTTPResponse(status: .ok), ResponseFraming(version: .http1_0, keepAlive: true, isHead: false))
        #expect(kept.hasPrefix("HTTP/1.0 200 OK\r\n"))
        #expect(kept.contains("\r\nConnection: keep-alive\r\n"))
        let closed = encode(
            HTTPResponse(status: .ok), ResponseFraming(version: .http1_0, keepAlive: false, isHead: false))
        #expect(closed.contains("\r\nConnection: close\r\n"))
    }

    @Test func headHasLengthButNoBody() {
        let text = encode(
            HTTPResponse(status: .ok, body: bytes("12345")),
            ResponseFraming(version: .http1_1, keepAlive: true, isHead: true))
        #expect(text.hasSuffix("Content-Length: 5\r\n\r\n"))
    }

    @Test func noContentHasNoLengthOrBody() {
        let text = encode(
            HTTPResponse(status: .noContent, body: bytes("x")),
            ResponseFraming(version: .http1_1, keepAlive: true, isHead: false))
        #expect(!text.contains("Content-Length"))
        #expect(text.hasSuffix("\r\n\r\n"))
    }

    @Test func serverOwnedAndUnsafeFieldsAreDropped() {
        let headers: HTTPHeaders = [
            "content-length": "999", "Connection": "keep-alive", "Date": "yesterday", "Server": "other",
            "Transfer-Encoding": "chunked", "X-Injected": "a\r\nSet-Cookie: evil", "Bad Name": "x", "X-Fine": "ok",
        ]
        let text = encode(
            HTTPResponse(status: .ok, headers: headers),
            ResponseFraming(version: .http1_1, keepAlive: false, isHead: false))
        #expect(
            text == "HTTP/1.1 200 OK\r\nServer: test-server\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
                + "X-Fine: ok\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    }

    @Test func continueInterim() {
        var out: [UInt8] = []
        encoder.encode(.continueInterim, date: date, into: &out)
        #expect(out == bytes("HTTP/1.1 100 Continue\r\n\r\n"))
    }

    @Test func decimal() {
        for value in [0, 7, 10, 99, 100, 123_456_789] {
            var out: [UInt8] = []
            appendDecimal(value, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == String(value))
        }
    }
}
