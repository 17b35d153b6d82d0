// The one loopback HTTP/1.1 test client: a blocking socket (from `connectLoopback`) that writes raw
// requests and reads whole responses (Content-Length bodies), plus the ways clients misbehave:
// half-closing, resetting, writing without blocking. One thread at a time uses an instance.
import Foundation
import Glibc
import HTTPServer

public struct ClientResponse: Sendable {
    public var statusLine: String
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public var status: Int { Int(statusLine.split(separator: " ").dropFirst().first ?? "") ?? -1 }
    public var text: String { String(decoding: body, as: UTF8.self) }

    public func decoded<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(body))
    }
}

/// `@unchecked Sendable`: a test hands it to the one thread that uses it.
public final class LoopbackClient: @unchecked Sendable {
    public private(set) var fd: Int32
    private var pending: [UInt8] = []

    public init(port: Int, timeout: Duration = .seconds(10)) throws {
        fd = try connectLoopback(port: port, receiveTimeout: timeout)
    }

    deinit { if fd >= 0 { close(fd) } }

    public func get(_ path: String) throws -> ClientResponse {
        try send("GET \(path) HTTP/1.1\r\nHost: test\r\n\r\n")
        return try readResponse()
    }

    public func post(_ path: String, json: String) throws -> ClientResponse {
        try sendPost(path, json: json)
        return try readResponse()
    }

    public func sendPost(_ path: String, json: String) throws {
        let body = Array(json.utf8)
        try send(
            "POST \(path) HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
                + json)
    }

    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    public func send(_ data: [UInt8]) throws {
        var offset = 0
        while offset < data.count {
            let sent = data.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, data.count - offset, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else { throw LoopbackError(description: "send: errno \(errno)") }
            offset += sent
        }
    }

    /// Sends as much of `data` as the socket takes without blocking; returns how many bytes went.
    public func sendWithoutBlocking(_ data: [UInt8]) -> Int {
        var offset = 0
        while offset < data.count {
            let sent = data.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, data.count - offset, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            guard sent > 0 else { break }
            offset += sent
        }
        return offset
    }

    /// Shuts down the sending side (the server reads EOF) and keeps the receiving side open.
    public func halfClose() { shutdown(fd, Int32(SHUT_WR)) }

    /// Closes with a reset, as a killed or timed-out client's socket does with SO_LINGER 0.
    public func abort() {
        var option = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
        close(fd)
        fd = -1
    }

    /// Reads one final response; interim 1xx responses are skipped.
    public func readResponse(toHead: Bool = false) throws -> ClientResponse {
        while true {
            let response = try readOneResponse(toHead: toHead)
            if !(100...199).contains(response.status) { return response }
        }
    }

    /// Reads the next response, interim (1xx) ones included.
    public func readOneResponse(toHead: Bool = false) throws -> ClientResponse {
        let terminator: [UInt8] = [13, 10, 13, 10]
        var end: Int?
        while end == nil {
            end = pending.indices.dropLast(3).first { pending[$0..<($0 + 4)].elementsEqual(terminator) }
            if end == nil, try !fill() { throw LoopbackError(description: "EOF before response head") }
        }
        let headEnd = end ?? 0
        let head = String(decoding: pending[0..<headEnd], as: UTF8.self)
        pending.removeFirst(headEnd + 4)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        var headers = HTTPHeaders()
        for line in lines {
            let parts = line.split(separator: ":", maxSplits: 1)
            headers.add(name: String(parts[0]), value: parts.count > 1 ? String(parts[1].dropFirst()) : "")
        }
        let length = toHead ? 0 : Int(headers["content-length"] ?? "0") ?? 0
        while pending.count < length {
            if try !fill() { throw LoopbackError(description: "EOF inside body") }
        }
        let body = Array(pending[0..<length])
        pending.removeFirst(length)
        return ClientResponse(statusLine: statusLine, headers: headers, body: body)
    }

    /// Whether response bytes have arrived that are not read yet (never blocks).
    public func hasBytesWaiting() -> Bool {
        if !pending.isEmpty { return true }
        var byte: UInt8 = 0
        return recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) > 0
    }

    /// True when the server has closed the connection (after any bytes still buffered).
    public func readsEOF() throws -> Bool {
        while try fill() {}
        return true
    }

    /// Reads more bytes; returns false at EOF.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = recv(fd, &chunk, chunk.count, 0)
        if count == 0 { return false }
        guard count > 0 else { throw LoopbackError(description: "recv: errno \(errno)") }
        pending += chunk[0..<count]
        return true
    }
}
