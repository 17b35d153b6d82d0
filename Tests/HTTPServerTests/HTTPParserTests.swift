// Parser rules for well-formed input; every case is replayed whole, byte by byte and in
// seeded random splits and must give the same events each time.

import TestSupport
import Testing

@testable import HTTPServer

@Suite struct HTTPParserTests {
    /// Parses every split and demands a consistent outcome; returns the whole-input events.
    private func parse(_ text: String, limits: HTTPLimits = HTTPLimits()) -> [HTTPParser.Event] {
        parse(bytes(text), limits: limits)
    }

    private func parse(_ input: [UInt8], limits: HTTPLimits = HTTPLimits()) -> [HTTPParser.Event] {
        let (events, consistent) = parseEverySplit(input, limits: limits)
        #expect(consistent, "outcome depends on how the input was split")
        return events
    }

    @Test func simpleGet() throws {
        let events = parse("GET /health?verbose=1 HTTP/1.1\r\nHost: a\r\nUser-Agent: t\r\n\r\n")
        #expect(events.count == 2)
        let request = try #require(events.requests.first)
        #expect(request.method == "GET")
        #expect(request.target == "/health?verbose=1")
        #expect(request.path == "/health")
        #expect(request.query == "verbose=1")
        #expect(request.version == .http1_1)
        #expect(request.headers["host"] == "a")
        #expect(request.headers["USER-AGENT"] == "t")
        #expect(request.body.isEmpty)
        #expect(request.wantsKeepAlive)
    }

    @Test func headEventPrecedesRequest() {
        let events = parse("POST /x HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc")
        guard case .head(let head) = events.first else {
            Issue.record("first event is not the head")
            return
        }
        #expect(head.expectsContinue)
        #expect(head.framing == .contentLength(3))
        #expect(events.requests.first?.body == bytes("abc"))
    }

    @Test func expectContinueIgnoredForHTTP10() {
        let events = parse("POST /x HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\na")
        guard case .head(let head) = events.first else {
            Issue.record("no head")
            return
        }
        #expect(!head.expectsContinue)
    }

    @Test func contentLengthBody() {
        let events = parse("POST /score HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world")
        #expect(events.requests.first?.body == bytes("hello world"))
    }

    @Test func repeatedIdenticalContentLengthIsAccepted() {
        let events = parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok")
        #expect(events.requests.first?.body == bytes("ok"))
        let listed = parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2, 2\r\n\r\nok")
        #expect(listed.requests.first?.body == bytes("ok"))
    }

    @Test func chunkedBodyWithExtensionsAndTrailers() {
        let input =
            "POST /u HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n"
            + "5;name=value\r\nhello\r\n1 ; x\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\nChecksum: 1\r\n\r\n"
        let events = parse(input)
        #expect(events.requests.first?.body == bytes("hello 0123456789"))
        #expect(events.parseError == nil)
    }

    @Test func chunkedBodyWithoutTrailers() {
        let events = parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
        #expect(events.requests.first?.body == bytes("abc"))
    }

    @Test func pipelinedRequestsComeOutInOrder() {
        let one = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
        let two = "POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi"
        let three = "GET /3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n"
        let requests = parse(one + two + three).requests
        #expect(requests.map(\.target) == ["/1", "/2", "/3"])
        #expect(requests[1].body == bytes("hi"))
        #expect(!requests[2].wantsKeepAlive)
    }

    @Test func http10KeepAliveOnlyWhenAsked() {
        let plain = parse("GET / HTTP/1.0\r\n\r\n").requests
        #expect(plain.first?.version == .http1_0)
        #expect(plain.first?.wantsKeepAlive == false)
        let asked = parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n").requests
        #expect(asked.first?.wantsKeepAlive == true)
    }

    @Test func connectionCloseTokenInList() {
        let requests = parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, Close\r\n\r\n").requests
        #expect(requests.first?.wantsKeepAlive == false)
    }

    @Test func leadingEmptyLinesAreIgnored() {
        let requests = parse("\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n").requests
        #expect(requests.count == 1)
    }

    @Test func optionsAsterisk() {
        #expect(parse("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n").requests.first?.target == "*")
    }

    @Test func fieldValueWhitespaceIsTrimmedAndObsTextKept() {
        var input = bytes("GET / HTTP/1.1\r\nHost: a\r\nX-A: \t  spaced out \t\r\nX-B: caf")
        input += [0xC3, 0xA9] + bytes("\r\n\r\n")
        let request = parse(input).requests.first
        #expect(request?.headers["x-a"] == "spaced out")
        #expect(request?.headers["x-b"] == "café")
    }

    @Test func headerOrderAndDuplicatesAreKept() {
        let request = parse("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\nY: 2\r\nX: 3\r\n\r\n").requests.first
        #expect(request?.headers.values(for: "x") == ["1", "3"])
        #expect(request?.headers.fields.map(\.name) == ["Host", "X", "Y", "X"])
    }

    @Test func zeroContentLengthHasNoBody() {
        let events = parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n")
        #expect(events.requests.first?.body == [])
    }

    @Test func bodyAtExactlyTheLimitIsAccepted() {
        let limits = HTTPLimits(maxBodyBytes: 10)
        let fixed = parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789", limits: limits)
        #expect(fixed.requests.count == 1)
        let chunked = parse(
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n01234\r\n5\r\n56789\r\n0\r\n\r\n",
            limits: limits)
        #expect(chunked.requests.first?.body.count == 10)
    }

    @Test func limitsAreInclusive() {
        let limits = HTTPLimits(maxRequestLineLength: 16, maxHeaderBytes: 24, maxHeaderCount: 2)
        // "GET /abc HTTP/1.1" is 17 bytes: one over.
        #expect(parse("GET /ab HTTP/1.1\r\nHost: a\r\n\r\n", limits: limits).requests.count == 1)
        #expect(parse("GET /abc HTTP/1.1\r\nHost: a\r\n\r\n", limits: limits).parseError == .requestLineTooLong)
        // Field lines with CRLFs: "Host: a\r\n" (9) + "X: 1234567890\r\n" (15) = 24 fits; one more byte does not.
        #expect(parse("GET / HTTP/1.1\r\nHost: a\r\nX: 1234567890\r\n\r\n", limits: limits).requests.count == 1)
        #expect(
            parse("GET / HTTP/1.1\r\nHost: a\r\nX: 12345678901\r\n\r\n", limits: limits).parseError == .headersTooLarge)
        // Count: a third field is one too many.
        #expect(
            parse("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\nY: 2\r\n\r\n", limits: limits).parseError == .tooManyHeaders)
    }

    @Test func largeBodyAcrossManyFeeds() {
        let body = [UInt8](repeating: UInt8(ascii: "x"), count: 100_000)
        let input = bytes("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n") + body
        var generator = SeededGenerator(seed: 7)
        var pieces: [ArraySlice<UInt8>] = []
        var start = 0
        while start < input.count {
            let end = min(input.count, start + Int.random(in: 1...5000, using: &generator))
            pieces.append(input[start..<end])
            start = end
        }
        #expect(parseEvents(pieces).requests.first?.body == body)
    }

    @Test func nothingIsParsedAfterAnError() {
        let input = bytes("GET / HTTP/1.1\r\nHost : a\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: a\r\n\r\n")
        let events = parse(input)
        #expect(events == [.error(.whitespaceBeforeColon)])
        var parser = HTTPParser(limits: HTTPLimits())
        parser.feed(input)
        _ = parser.next()
        parser.feed(bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n"))
        #expect(parser.next() == nil)
        #expect(parser.phase == .failed)
    }

    @Test func phaseFollowsTheRequest() {
        var parser = HTTPParser(limits: HTTPLimits())
        #expect(parser.phase == .idle)
        parser.feed(bytes("POST / HTTP/1.1\r\nHost: a\r\nContent-"))
        #expect(parser.next() == nil)
        #expect(parser.phase == .head)
        parser.feed(bytes("Length: 2\r\n\r\na"))
        #expect(parser.next() != nil)
        #expect(parser.phase == .body)
        parser.feed(bytes("b"))
        #expect(parser.next()?.request != nil)
        #expect(parser.phase == .idle)
    }
}
