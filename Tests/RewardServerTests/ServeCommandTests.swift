// `reward-server serve`: flags into the configuration tree, cross-field validation, and the built
// binary's life cycle: start on an ephemeral port, answer, SIGTERM, drain, exit 0.
import Foundation
import Glibc
import TestSupport
import Testing

@testable import RewardServer

@Test func serveFlagsFillTheConfigurationTree() throws {
    let command = try ServeCommand.parse([
        "--model", "m", "--host", "0.0.0.0", "--port", "0", "--max-batch-tokens", "8192", "--max-batch-pairs", "64",
        "--max-batch-delay", "3", "--max-queued-pairs", "100", "--request-timeout", "2.5", "--max-body-bytes", "1000",
        "--max-items-per-request", "10", "--default-alpha", "0.5", "--no-truncate",
    ])
    let configuration = command.serviceConfiguration
    #expect(configuration.http.host == "0.0.0.0")
    #expect(configuration.http.port == 0)
    #expect(configuration.http.limits.maxBodyBytes == 1000)
    #expect(configuration.batching.maxBatchTokens == 8192)
    #expect(configuration.batching.maxBatchItems == 64)
    #expect(configuration.batching.maxBatchDelay == .milliseconds(3))
    #expect(configuration.batching.maxQueuedItems == 100)
    #expect(configuration.requests.requestTimeout == .milliseconds(2500))
    #expect(configuration.requests.maxItemsPerRequest == 10)
    #expect(configuration.requests.defaultAlpha == 0.5)
    #expect(configuration.requests.defaultTruncate == false)
}

@Test func serveDefaultsSuitTheEngine() throws {
    let configuration = try ServeCommand.parse(["--model", "m"]).serviceConfiguration
    #expect(configuration.http.host == "127.0.0.1")
    #expect(configuration.http.port == 8080)
    #expect(configuration.batching.maxBatchTokens == 4096)
    #expect(configuration.batching.maxBatchItems == 32)
    #expect(configuration.batching.maxBatchDelay == .zero)
    #expect(configuration.requests.maxItemsPerRequest == 64)
    #expect(configuration.requests.defaultAlpha == 1)
    #expect(configuration.requests.defaultTruncate)
}

@Test func serveRejectsContradictoryOrInvalidFlags() {
    for flags in [
        ["--port", "70000"], ["--default-alpha", "nan"], ["--default-alpha", "inf"], ["--max-batch-pairs", "0"],
        ["--request-timeout", "0"], ["--max-items-per-request", "0"], ["--max-batch-delay", "-1"],
        ["--max-queued-pairs", "8", "--max-items-per-request", "9"],
    ] {
        #expect(throws: (any Error).self, "\(flags)") { try ServeCommand.parse(["--model", "m"] + flags) }
    }
}

@Test func serveAnswersThenDrainsAndExitsZeroOnSIGTERM() throws {
    let binary = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        .appendingPathComponent("reward-server")
    let process = Process()
    process.executableURL = binary
    process.arguments = ["serve", "--model", Fixtures.model("tiny-v2-cased-st").path, "--port", "0", "--threads", "1"]
    let errors = Pipe()
    process.standardError = errors
    try process.run()
    defer { if process.isRunning { process.terminate() } }
    // The "ready" log line carries the bound port; logs go to stderr.
    var log = ""
    let reader = errors.fileHandleForReading
    while !log.contains(" ready"), process.isRunning {
        let chunk = reader.availableData
        if chunk.isEmpty { break }
        log += String(decoding: chunk, as: UTF8.self)
    }
    let readyLine = try #require(log.split(separator: "\n").first { $0.hasSuffix(" ready") }, "\(log)")
    let port = try #require(
        readyLine.split(separator: " ").first { $0.hasPrefix("port=") }.flatMap { Int($0.dropFirst(5)) })
    let ready = try httpGet(port: port, path: "/ready")
    #expect(ready.hasPrefix("HTTP/1.1 200"), "\(ready)")
    kill(process.processIdentifier, SIGTERM)
    let rest = reader.readDataToEndOfFile()
    process.waitUntilExit()
    #expect(process.terminationReason == .exit)
    #expect(process.terminationStatus == 0)
    #expect(String(decoding: rest, as: UTF8.self).contains("service stopped"))
}

/// A one-shot GET over a fresh connection; returns the raw response text.
private func httpGet(port: Int, path: String) throws -> String {
    let fd = try connectLoopback(port: port)
    defer { close(fd) }
    let request = Array("GET \(path) HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n".utf8)
    _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    var response: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
        let count = recv(fd, &buffer, buffer.count, 0)
        if count <= 0 { break }
        response += buffer[0..<count]
    }
    return String(decoding: response, as: UTF8.self)
}
