// A blocking HTTP/1.1 client over a loopback socket (keep-alive, Content-Length bodies), and a way to
// run many of them on their own threads, outside the Swift concurrency pool the server's handlers
// need. The socket comes from TestSupport.
import Foundation
import Glibc
import HTTPServer
import TestSupport

struct ClientError: Error, CustomStringConvertible {
    let description: String
}

struct ClientResponse: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }

    func decoded<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(body))
    }
}

/// One connection. Used by one thread at a time.
final class LoopbackClient {
    private(set) var fd: Int32
    private var pending: [UInt8] = []

    init(port: Int, timeout: Duration = .seconds(10)) throws {
        fd = try connectLoopback(port: port, receiveTimeout: timeout)
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Closes with a reset, as a killed or timed-out client's socket does with SO_LINGER 0.
    func abort() {
        var option = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
        close(fd)
        fd = -1
    }

    func get(_ path: String) throws -> ClientResponse {
        try send("GET \(path) HTTP/1.1\r\nHost: test\r\n\r\n")
        return try readResponse()
    }

    func post(_ path: String, json: String) throws -> ClientResponse {
        try sendPost(path, json: json)
        return try readResponse()
    }

    func sendPost(_ path: String, json: String) throws {
        let body = Array(json.utf8)
        try send(
            "POST \(path) HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\n\r\n"
                + json)
    }

    func send(_ text: String) throws {
        let data = Array(text.utf8)
        var offset = 0
        while offset < data.count {
            let sent = data.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, data.count - offset, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else { throw ClientError(description: "send: errno \(errno)") }
            offset += sent
        }
    }

    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = recv(fd, &chunk, chunk.count, 0)
        if count == 0 { return false }
        guard count > 0 else { throw ClientError(description: "recv: errno \(errno)") }
        pending += chunk[0..<count]
        return true
    }

    func readResponse() throws -> ClientResponse {
        let terminator: [UInt8] = [13, 10, 13, 10]
        var end: Int?
        while end == nil {
            end = pending.indices.dropLast(3).first { pending[$0..<($0 + 4)].elementsEqual(terminator) }
            if end == nil, try !fill() { throw ClientError(description: "EOF before response head") }
        }
        let head = String(decoding: pending[0..<end!], as: UTF8.self)
        pending.removeFirst(end! + 4)
        var lines = head.components(separatedBy: "\r\n")
        let status = Int(lines.removeFirst().split(separator: " ").dropFirst().first ?? "") ?? -1
        var headers = HTTPHeaders()
        for line in lines {
            let parts = line.split(separator: ":", maxSplits: 1)
            headers.add(name: String(parts[0]), value: parts.count > 1 ? String(parts[1].dropFirst()) : "")
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        while pending.count < length {
            if try !fill() { throw ClientError(description: "EOF inside body") }
        }
        let body = Array(pending[0..<length])
        pending.removeFirst(length)
        return ClientResponse(status: status, headers: headers, body: body)
    }
}

/// Runs `body(i)` for i in 0..<count, each on its own thread, and resumes when all are done.
/// Returns the errors thrown, if any.
func runClients(_ count: Int, _ body: @escaping @Sendable (Int) throws -> Void) async -> [String] {
    await withCheckedContinuation { (continuation: CheckedContinuation<[String], Never>) in
        let group = DispatchGroup()
        let errors = ErrorList()
        for index in 0..<count {
            group.enter()
            let thread = Thread {
                do { try body(index) } catch { errors.append("client \(index): \(error)") }
                group.leave()
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
        group.notify(queue: .global()) { continuation.resume(returning: errors.all) }
    }
}

/// One blocking call on its own thread.
func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    let result = Box<Result<T, any Error>?>(nil)
    _ = await runClients(1) { _ in result.value = Result { try work() } }
    return try result.value!.get()
}
