// A catalogue of hostile and malformed requests (smuggling shapes, bad framing, bad syntax,
// limits). Each must be rejected with the listed error and status, the same way however the
// bytes are split, and the connection must answer once and close without dispatching anything.

import Testing

@testable import HTTPServer

struct HostileCase: CustomStringConvertible, Sendable {
    let name: String
    let input: [UInt8]
    let error: HTTPParseError
    var limits = HTTPLimits()

    var description: String { name }
}

let hostileSmallLimits = HTTPLimits(
    maxRequestLineLength: 64, maxHeaderBytes: 128, maxHeaderCount: 4, maxBodyBytes: 16, maxChunkLineLength: 16,
    maxTrailerBytes: 32)

private func hostile(_ name: String, _ text: String, _ error: HTTPParseError, limits: HTTPLimits = HTTPLimits())
    -> HostileCase
{
    HostileCase(name: name, input: bytes(text), error: error, limits: limits)
}

private func hostile(_ name: String, _ input: [UInt8], _ error: HTTPParseError) -> HostileCase {
    HostileCase(name: name, input: input, error: error)
}

private let post = "POST / HTTP/1.1\r\nHost: a\r\n"
private let chunked = post + "Transfer-Encoding: chunked\r\n\r\n"

/// Openings of connections that are not HTTP, none ending a request-line: a TLS 1.2 ClientHello's
/// record and handshake headers, NUL bytes, random binary, a PROXY protocol v2 signature.
let notHTTPOpenings: [[UInt8]] = [
    [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03],
    [0x00, 0x00, 0x00, 0x00],
    [0x9F, 0x3C, 0xE2, 0x01, 0x7A, 0x00, 0xFF],
    [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A],
]

let hostileCatalogue: [HostileCase] = [
    // Request smuggling: framing disagreements (RFC 9112 §6.1, §6.3).
    hostile(
        "CL then TE", post + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        .contentLengthWithTransferEncoding),
    hostile(
        "TE then CL", post + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
        .contentLengthWithTransferEncoding),
    hostile(
        "differing CL headers", post + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", .conflictingContentLength
    ),
    hostile("differing CL list", post + "Content-Length: 5, 6\r\n\r\nhello!", .conflictingContentLength),
    hostile("CL with plus sign", post + "Content-Length: +5\r\n\r\nhello", .invalidContentLength),
    hostile("negative CL", post + "Content-Length: -1\r\n\r\n", .invalidContentLength),
    hostile("hex CL", post + "Content-Length: 0x5\r\n\r\nhello", .invalidContentLength),
    hostile("empty CL", post + "Content-Length: \r\n\r\n", .invalidContentLength),
    hostile("CL with inner space", post + "Content-Length: 1 2\r\n\r\n", .invalidContentLength),
    hostile("overflowing CL", post + "Content-Length: 99999999999999999999999\r\n\r\n", .invalidContentLength),
    hostile("empty element in CL list", post + "Content-Length: 5,\r\n\r\nhello", .invalidContentLength),
    hostile("TE gzip", post + "Transfer-Encoding: gzip\r\n\r\n", .unsupportedTransferEncoding),
    hostile(
        "TE gzip, chunked", post + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", .unsupportedTransferEncoding),
    hostile(
        "TE chunked twice", post + "Transfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", .unsupportedTransferEncoding),
    hostile(
        "TE split across headers", post + "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n",
        .unsupportedTransferEncoding),
    hostile("TE with junk suffix", post + "Transfer-Encoding: chunkedx\r\n\r\n", .unsupportedTransferEncoding),
    hostile("TE empty", post + "Transfer-Encoding: \r\n\r\n", .unsupportedTransferEncoding),
    hostile(
        "TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", .transferEncodingInHTTP10),
    // Line structure (RFC 9112 §2.2, §5.2).
    hostile("obs-fold with space", "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n  continued\r\n\r\n", .obsoleteLineFolding),
    hostile("obs-fold with tab", "GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n\tcontinued\r\n\r\n", .obsoleteLineFolding),
    hostile("bare LF after request-line", "GET / HTTP/1.1\nHost: a\r\n\r\n", .bareLineFeed),
    hostile("bare LF after field", "GET / HTTP/1.1\r\nHost: a\nX: 1\r\n\r\n", .bareLineFeed),
    hostile("bare LF ending head", "GET / HTTP/1.1\r\nHost: a\r\n\n", .bareLineFeed),
    hostile("bare CR in value", "GET / HTTP/1.1\r\nHost: a\rX: 1\r\n\r\n", .bareCarriageReturn),
    hostile("bare CR in request-line", "GET /\r HTTP/1.1\r\nHost: a\r\n\r\n", .bareCarriageReturn),
    hostile("space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", .whitespaceBeforeColon),
    hostile("tab before colon", "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", .whitespaceBeforeColon),
    hostile(
        "non-ASCII field name",
        [UInt8]("GET / HTTP/1.1\r\nHost: a\r\nX-".utf8) + [0xC3, 0xA9]
            + [UInt8](": 1\r\n\r\n".utf8), .invalidFieldName),
    hostile("delimiter in field name", "GET / HTTP/1.1\r\nHost: a\r\nX(y): 1\r\n\r\n", .invalidFieldName),
    hostile("at sign in field name", "GET / HTTP/1.1\r\nHost: a\r\nX@y: 1\r\n\r\n", .invalidFieldName),
    hostile("empty field name", "GET / HTTP/1.1\r\nHost: a\r\n: 1\r\n\r\n", .invalidFieldName),
    hostile("field line without colon", "GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", .invalidFieldName),
    hostile(
        "NUL in field value",
        [UInt8]("GET / HTTP/1.1\r\nHost: a\r\nX: a".utf8) + [0]
            + [UInt8]("b\r\n\r\n".utf8), .nulByte),
    hostile("NUL in target", [UInt8]("GET /a".utf8) + [0] + [UInt8](" HTTP/1.1\r\nHost: a\r\n\r\n".utf8), .nulByte),
    hostile(
        "control byte in value",
        [UInt8]("GET / HTTP/1.1\r\nHost: a\r\nX: a".utf8) + [0x01]
            + [UInt8]("\r\n\r\n".utf8), .invalidFieldValue),
    hostile(
        "DEL in value",
        [UInt8]("GET / HTTP/1.1\r\nHost: a\r\nX: a".utf8) + [0x7F]
            + [UInt8]("\r\n\r\n".utf8), .invalidFieldValue),
    // Chunked framing (RFC 9112 §7.1).
    hostile("non-hex chunk size", chunked + "zz\r\n", .invalidChunkSize),
    hostile("overflowing chunk size", chunked + "fffffffffffffffffff\r\n", .invalidChunkSize),
    hostile("negative chunk size", chunked + "-1\r\n", .invalidChunkSize),
    hostile("empty chunk size", chunked + "\r\n", .invalidChunkSize),
    hostile("chunk size with 0x prefix", chunked + "0x5\r\nhello\r\n0\r\n\r\n", .invalidChunkSize),
    hostile("chunk size with trailing junk", chunked + "5 x\r\nhello\r\n0\r\n\r\n", .invalidChunkSize),
    hostile("chunk data overruns its size", chunked + "3\r\nabcdef\r\n0\r\n\r\n", .invalidChunkTerminator),
    hostile("chunk data ends with bare LF", chunked + "3\r\nabc\n0\r\n\r\n", .invalidChunkTerminator),
    hostile("chunk size line bare LF", chunked + "3\nabc\r\n0\r\n\r\n", .bareLineFeed),
    hostile("NUL in chunk extension", [UInt8]((chunked + "3;a=").utf8) + [0] + [UInt8]("\r\nabc\r\n".utf8), .nulByte),
    hostile(
        "control byte in chunk extension",
        [UInt8]((chunked + "3;a=").utf8) + [0x01]
            + [UInt8]("\r\nabc\r\n".utf8), .invalidChunkSize),
    hostile("obs-fold in trailer", chunked + "0\r\nX: 1\r\n folded\r\n\r\n", .obsoleteLineFolding),
    hostile("bad trailer name", chunked + "0\r\nX y: 1\r\n\r\n", .invalidFieldName),
    // Request-line and target (RFC 9112 §3).
    hostile("absolute-form target", "GET http://evil.example/ HTTP/1.1\r\nHost: a\r\n\r\n", .absoluteFormTarget),
    hostile("authority-form target", "CONNECT evil.example:443 HTTP/1.1\r\nHost: a\r\n\r\n", .absoluteFormTarget),
    hostile("asterisk with GET", "GET * HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget),
    hostile("relative target", "GET index.html HTTP/1.1\r\nHost: a\r\n\r\n", .invalidTarget),
    hostile(
        "non-ASCII target", [UInt8]("GET /caf".utf8) + [0xC3, 0xA9] + [UInt8](" HTTP/1.1\r\nHost: a\r\n\r\n".utf8),
        .invalidTarget),
    hostile("space inside target", "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n", .invalidRequestLine),
    hostile("double space", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", .invalidRequestLine),
    hostile("leading space", " GET / HTTP/1.1\r\nHost: a\r\n\r\n", .invalidMethod),
    hostile("trailing space after version", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n", .invalidRequestLine),
    hostile("HTTP/0.9 shape", "GET /\r\n\r\n", .invalidRequestLine),
    hostile("bad method byte", "GE(T / HTTP/1.1\r\nHost: a\r\n\r\n", .invalidMethod),
    // Bytes that cannot start a request: rejected from the first bytes, no line end needed.
    hostile("TLS ClientHello", notHTTPOpenings[0], .tlsHandshake),
    hostile("NUL first", notHTTPOpenings[1], .nulByte),
    hostile("binary first", notHTTPOpenings[2], .invalidMethod),
    hostile("PROXY v2 signature", notHTTPOpenings[3], .nulByte),
    hostile("lower-case version", "GET / http/1.1\r\nHost: a\r\n\r\n", .invalidVersion),
    hostile("version without dot", "GET / HTTP/11\r\nHost: a\r\n\r\n", .invalidVersion),
    hostile("two-digit version", "GET / HTTP/1.10\r\nHost: a\r\n\r\n", .invalidVersion),
    hostile("HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", .unsupportedVersion),
    hostile("HTTP/1.2", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", .unsupportedVersion),
    hostile("HTTP/0.9 version", "GET / HTTP/0.9\r\nHost: a\r\n\r\n", .unsupportedVersion),
    // Host (RFC 9112 §3.2).
    hostile("missing Host", "GET / HTTP/1.1\r\nX: 1\r\n\r\n", .missingHost),
    hostile("two Host fields", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", .multipleHost),
    // Expect (RFC 9110 §10.1.1).
    hostile("unknown expectation", post + "Expect: 200-ok\r\nContent-Length: 1\r\n\r\na", .unsupportedExpectation),
    // Limits.
    hostile(
        "request-line too long", "GET /" + String(repeating: "a", count: 80) + " HTTP/1.1\r\nHost: a\r\n\r\n",
        .requestLineTooLong, limits: hostileSmallLimits),
    hostile(
        "request-line with no end", "GET /" + String(repeating: "a", count: 200), .requestLineTooLong,
        limits: hostileSmallLimits),
    hostile(
        "header section too large",
        "GET / HTTP/1.1\r\nHost: a\r\nX: " + String(repeating: "b", count: 200)
            + "\r\n\r\n", .headersTooLarge, limits: hostileSmallLimits),
    hostile(
        "endless header line", "GET / HTTP/1.1\r\nX: " + String(repeating: "b", count: 300), .headersTooLarge,
        limits: hostileSmallLimits),
    hostile(
        "too many fields", "GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 1\r\nC: 1\r\nD: 1\r\n\r\n", .tooManyHeaders,
        limits: hostileSmallLimits),
    hostile("endless empty lines", String(repeating: "\r\n", count: 100), .headersTooLarge, limits: hostileSmallLimits),
    hostile("CL over body limit", post + "Content-Length: 17\r\n\r\n", .bodyTooLarge, limits: hostileSmallLimits),
    hostile("chunk over body limit", chunked + "11\r\n", .bodyTooLarge, limits: hostileSmallLimits),
    hostile(
        "chunks summing over body limit", chunked + "8\r\n12345678\r\n9\r\n", .bodyTooLarge, limits: hostileSmallLimits),
    hostile(
        "chunk line too long", chunked + "5;" + String(repeating: "e", count: 40) + "\r\n", .chunkLineTooLong,
        limits: hostileSmallLimits),
    hostile(
        "trailers too large", chunked + "0\r\nX: " + String(repeating: "t", count: 60) + "\r\n\r\n",
        .headersTooLarge, limits: hostileSmallLimits),
]

@Suite struct HostileInputCatalogueTests {
    @Test func catalogueIsLargeEnough() {
        #expect(hostileCatalogue.count >= 40)
        #expect(Set(hostileCatalogue.map(\.name)).count == hostileCatalogue.count)
    }

    /// The opening alone is enough: the error does not wait for a line end (nor the header timeout).
    @Test(arguments: notHTTPOpenings)
    func bytesThatCannotStartARequestFailWithoutALineEnd(_ opening: [UInt8]) {
        var parser = HTTPParser(limits: HTTPLimits())
        parser.feed(opening)
        #expect(parser.next()?.parseError != nil)
    }

    @Test(arguments: hostileCatalogue)
    func parserRejectsInEverySplit(_ entry: HostileCase) {
        let (events, consistent) = parseEverySplit(entry.input, limits: entry.limits)
        #expect(consistent, "outcome depends on the split")
        #expect(events.last == .error(entry.error))
        #expect(events.requests.isEmpty)
    }

    @Test(arguments: hostileCatalogue)
    func connectionAnswersOnceAndCloses(_ entry: HostileCase) throws {
        for pieces in splittings(of: entry.input, randomSplits: 2) {
            var machine = ConnectionStateMachine(
                limits: entry.limits, timeouts: HTTPTimeouts(), maxPipelined: 4, now: Instant(nanoseconds: 0))
            var actions: [ConnectionAction] = []
            for piece in pieces {
                actions += piece.withUnsafeBytes { machine.received($0, now: Instant(nanoseconds: 1)) }
            }
            // Bytes after the error are never read as a request.
            actions += bytes("GET / HTTP/1.1\r\nHost: a\r\n\r\n").withUnsafeBytes {
                machine.received($0, now: Instant(nanoseconds: 2))
            }
            try #require(actions.count == 2, "\(actions)")
            guard case .send(.response(let response, let framing)) = actions[0] else {
                Issue.record("expected a response, got \(actions[0])")
                return
            }
            #expect(response.status == entry.error.status)
            #expect(response.headers["content-type"] == "text/plain; charset=utf-8")
            #expect(response.body == Array(entry.error.message.utf8))
            #expect(!framing.keepAlive)
            #expect(actions[1] == .closeAfterSending)
            #expect(!machine.wantsToRead)
        }
    }
}
