// Loopback test plumbing: a server on an ephemeral port with a test handler, a blocking
// socket client that reads whole responses, and a runner for external clients (curl, python3).

import Foundation
import Glibc
import Logging
import Synchronization
import TestSupport
import Testing

@testable import HTTPServer

let quietLogger = Logger(label: "http.test", factory: { _ in SwiftLogNoOpLogHandler() })

/// Records which requests saw their client go away.
final class CancelRecorder: Sendable {
    private let names = Mutex<[String]>([])
    var all: [String] { names.withLock { $0 } }
    func record(_ name: String) { names.withLock { $0.append(name) } }
}

/// Routes used by the loopback tests.
struct TestHandler: HTTPHandler {
    let cancellations = CancelRecorder()

    func handle(_ request: HTTPRequest, context: RequestContext) async -> HTTPResponse {
        switch request.path {
        case "/health":
            return HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain"], body: Array("ok".utf8))
        case "/echo":
            let headers: HTTPHeaders = ["X-Method": request.method, "X-Version": "\(request.version)"]
            return HTTPResponse(status: .ok, headers: headers, body: request.body)
        case "/slow":
            let milliseconds = Int(request.query?.split(separator: "=").last ?? "") ?? 100
            try? await Task.sleep(for: .milliseconds(milliseconds))  // cancellation only shortens the test
            return HTTPResponse(status: .ok, body: Array("slow".utf8))
        case "/big":
            let count = Int(request.query?.split(separator: "=").last ?? "") ?? 0
            return HTTPResponse(status: .ok, body: [UInt8](repeating: UInt8(ascii: "b"), count: count))
        case "/wait-for-cancel":
            while !Task.isCancelled { try? await Task.sleep(for: .milliseconds(5)) }  // cancellation ends it
            cancellations.record(request.target)
            return HTTPResponse(status: .ok)
        default:
            return HTTPResponse(status: .notFound, body: Array("no route".utf8))
        }
    }

    /// Marks the server's own errors so tests can see they went through the handler's formatter.
    func serverError(_ status: HTTPStatus, message: String) -> HTTPResponse {
        HTTPResponse(
            status: status, headers: ["Content-Type": "application/json", "X-Formatted-By": "test-handler"],
            body: Array(#"{"error":"\#(status.code)"}"#.utf8))
    }
}

func testConfiguration(_ adjust: (inout HTTPServerConfiguration) -> Void = { _ in }) -> HTTPServerConfiguration {
    var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: 0, timerResolution: .milliseconds(20))
    adjust(&configuration)
    return configuration
}

/// Starts a server, runs the blocking client code `body` with its port on a thread outside the
/// Swift concurrency pool (the handlers need that pool; blocking it would stall them), and
/// always shuts the server down.
func withServer(
    _ configuration: HTTPServerConfiguration = testConfiguration(), handler: TestHandler = TestHandler(),
    _ body: @escaping @Sendable (HTTPServer, Int) throws -> Void
) async throws {
    let server = HTTPServer(configuration: configuration, handler: handler, logger: quietLogger)
    let port = try server.start()
    do {
        try await offPool { try body(server, port) }
    } catch {
        await server.shutdown()
        throw error
    }
    await server.shutdown()
}

/// Runs blocking work in the current task but on a dedicated thread (so test expectations
/// still belong to the test), leaving the concurrency pool free for the server's handlers.
func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withTaskExecutorPreference(DedicatedThreadExecutor()) { try work() }
}

/// A task executor that runs jobs on its own serial Dispatch queue (its own thread).
final class DedicatedThreadExecutor: TaskExecutor {
    private let queue = DispatchQueue(label: "http.test.blocking")

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

func pause(_ duration: Duration) {
    Thread.sleep(forTimeInterval: Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
}

struct TestClientError: Error, CustomStringConvertible {
    let description: String
}

struct RawResponse {
    var statusLine: String
    var headers: HTTPHeaders
    var body: [UInt8]
    var status: Int { Int(statusLine.split(separator: " ").dropFirst().first ?? "") ?? -1 }
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// A blocking TCP client with a receive timeout.
/// Used by one thread at a time; @unchecked so a test can hand it to `offPool`.
final class TestClient: @unchecked Sendable {
    private(set) var fd: Int32
    private var pending: [UInt8] = []

    init(port: Int, timeout: Duration = .seconds(5)) throws {
        fd = try connectLoopback(port: port, receiveTimeout: timeout)
    }

    deinit { if fd >= 0 { close(fd) } }

    /// Shuts down the sending side (the server reads EOF) and keeps the receiving side open.
    func halfClose() { shutdown(fd, Int32(SHUT_WR)) }

    /// Closes with a reset, as a killed client's socket does.
    func abort() {
        var option = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
        close(fd)
        fd = -1
    }

    /// Sends as much of `data` as the socket takes without blocking; returns how many bytes went.
    func sendWithoutBlocking(_ data: [UInt8]) -> Int {
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

    func send(_ text: String) throws { try send(Array(text.utf8)) }

    func send(_ data: [UInt8]) throws {
        var offset = 0
        while offset < data.count {
            let sent = data.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + offset, data.count - offset, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else { throw TestClientError(description: "send: \(errno)") }
            offset += sent
        }
    }

    /// Reads more bytes; returns false at EOF.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = recv(fd, &chunk, chunk.count, 0)
        if count == 0 { return false }
        guard count > 0 else { throw TestClientError(description: "recv: errno \(errno)") }
        pending += chunk[0..<count]
        return true
    }

    /// Reads one final response (1xx interim responses are skipped).
    func readResponse(toHead: Bool = false) throws -> RawResponse {
        while true {
            let response = try readOneResponse(toHead: toHead)
            if !(100...199).contains(response.status) { return response }
        }
    }

    func readOneResponse(toHead: Bool = false) throws -> RawResponse {
        let terminator: [UInt8] = [13, 10, 13, 10]
        var end: Int?
        while end == nil {
            end = pending.indices.dropLast(3).first { pending[$0..<($0 + 4)].elementsEqual(terminator) }
            if end == nil, try !fill() { throw TestClientError(description: "EOF before response head") }
        }
        let head = String(decoding: pending[0..<end!], as: UTF8.self)
        pending.removeFirst(end! + 4)
        var lines = head.components(separatedBy: "\r\n")
        let statusLine = lines.removeFirst()
        var headers = HTTPHeaders()
        for line in lines {
            let parts = line.split(separator: ":", maxSplits: 1)
            headers.add(name: String(parts[0]), value: parts.count > 1 ? String(parts[1].dropFirst()) : "")
        }
        let length = toHead ? 0 : Int(headers["content-length"] ?? "0") ?? 0
        while pending.count < length {
            if try !fill() { throw TestClientError(description: "EOF inside body") }
        }
        let body = Array(pending[0..<length])
        pending.removeFirst(length)
        return RawResponse(statusLine: statusLine, headers: headers, body: body)
    }

    /// True when the server has closed the connection (after any bytes still buffered).
    func readsEOF() throws -> Bool {
        while try fill() {}
        return true
    }
}

/// Runs an external program; nil when it is not installed.
struct ExternalRun {
    var status: Int32
    var stdout: String
    var stderr: String
}

func findExecutable(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":") {
        let candidate = "\(directory)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}

/// Runs `name` with `arguments`; records a clear issue and returns nil when it is missing.
func runExternal(_ name: String, _ arguments: [String], stdin: Data? = nil) throws -> ExternalRun? {
    guard let executable = findExecutable(name) else {
        Issue.record(
            "\(name) is not installed; this test needs it (apt-get install \(name == "python3" ? "python3" : name))")
        return nil
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    let input = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(stdin) }
    try input.fileHandleForWriting.close()
    let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
    let stderrData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ExternalRun(
        status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
        stderr: String(decoding: stderrData, as: UTF8.self))
}
