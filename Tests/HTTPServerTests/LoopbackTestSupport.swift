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
