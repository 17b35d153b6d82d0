// The built `reward-server` as a child process the test can watch, signal and kill: its stdout and
// stderr are collected as they come, so a test can wait for a log line while it runs.
import Foundation
import Glibc
import Synchronization

final class ChildProcess: Sendable {
    private let process: Process
    private let output = Collected()
    private let errors = Collected()

    init(_ arguments: [String], environment: [String: String]) throws {
        let process = Process()
        process.executableURL = DownloadCommandTests.binary
        process.arguments = arguments
        process.environment = environment
        let outputPipe = Pipe()
        let errorPipe = Pipe()
        process.standardOutput = outputPipe
        process.standardError = errorPipe
        self.process = process
        try process.run()
        for (pipe, sink) in [(outputPipe, output), (errorPipe, errors)] {
            let handle = pipe.fileHandleForReading
            Thread {
                while true {
                    let chunk = handle.availableData
                    if chunk.isEmpty { return }
                    sink.bytes.withLock { $0.append(chunk) }
                }
            }.start()
        }
    }

    var pid: Int32 { process.processIdentifier }
    var stdout: String { output.text }
    var stderr: String { errors.text }
    var isRunning: Bool { process.isRunning }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// The exit status once the process has ended, or nil (after a SIGKILL) if it is still running
    /// after `timeout`, so a hung child fails the test instead of hanging it.
    func exitStatus(within timeout: Duration = .seconds(120)) async -> (status: Int32, bySignal: Bool)? {
        guard await eventually(timeout: timeout, { !self.process.isRunning }) else {
            signal(SIGKILL)
            process.waitUntilExit()
            return nil
        }
        process.waitUntilExit()
        return (process.terminationStatus, process.terminationReason == .uncaughtSignal)
    }

    /// The port from the first stderr line ending with `message` (text logs: `… port=NNNN … message`).
    func port(fromLineEndingWith message: String, timeout: Duration = .seconds(120)) async -> Int? {
        var found: Int?
        _ = await eventually(timeout: timeout) {
            guard let line = self.stderr.split(separator: "\n").first(where: { $0.hasSuffix(message) }) else {
                return !self.process.isRunning
            }
            found = line.split(separator: " ").first { $0.hasPrefix("port=") }.flatMap { Int($0.dropFirst(5)) }
            return true
        }
        return found
    }
}

/// Bytes read from one of the child's pipes so far.
private final class Collected: Sendable {
    let bytes = Mutex(Data())
    var text: String { String(decoding: bytes.withLock { $0 }, as: UTF8.self) }
}

/// Polls `condition` every 20 ms without holding a thread of the concurrency pool. The timeout is
/// generous: child processes start slowly on a loaded machine, and a passing test never waits for it.
func eventually(timeout: Duration = .seconds(120), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}

/// One request over a fresh connection to 127.0.0.1:`port`; the raw response text.
func rawHTTP(port: Int, _ method: String, _ path: String, body: String? = nil) throws -> String {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var timeout = timeval(tv_sec: 10, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = UInt16(port).bigEndian
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard connected == 0 else { throw FakeHubError("connect to \(port): errno \(errno)") }
    var request = "\(method) \(path) HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
    if let body { request += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n" }
    request += "\r\n" + (body ?? "")
    let bytes = Array(request.utf8)
    _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    var response: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = recv(fd, &buffer, buffer.count, 0)
        if count <= 0 { break }
        response += buffer[0..<count]
    }
    return String(decoding: response, as: UTF8.self)
}
