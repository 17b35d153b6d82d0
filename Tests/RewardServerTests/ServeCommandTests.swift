// `reward-server serve`: flags into the configuration tree, cross-field validation, and the built
// binary's life cycle: start on an ephemeral port, answer, SIGTERM, drain, exit 0.
import Foundation
import Glibc
import TestSupport
import HTTPServer
import Testing

@testable import RewardServer

@Test func serveFlagsFillTheConfigurationTree() throws {
    let command = try ServeCommand.parse([
        "--model", "m", "--host", "0.0.0.0", "--port", "0", "--max-batch-tokens", "8192", "--max-batch-pairs", "64",
        "--max-batch-delay", "3", "--max-queued-pairs", "100", "--request-timeout", "2.5", "--max-body-bytes", "1000",
        "--max-items-per-request", "10", "--default-alpha", "0.5", "--no-auto-truncate",
        "--max-request-tokens", "5000", "--max-connections", "100", "--max-buffered-bytes", "2000000",
        "--idle-timeout", "5", "--header-timeout", "2", "--body-timeout", "3",
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
    #expect(configuration.requests.maxRequestTokens == 5000)
    #expect(configuration.http.maxConnections == 100)
    #expect(configuration.http.maxBufferedBytes == 2_000_000)
    #expect(configuration.http.timeouts.idle == .seconds(5))
    #expect(configuration.http.timeouts.header == .seconds(2))
    #expect(configuration.http.timeouts.body == .seconds(3))
}

@Test func theDefaultConnectionCapStaysBelowTheDescriptorLimit() throws {
    let command = try ServeCommand.parse(["--model", "m"])
    #expect(command.serviceConfiguration(descriptorLimit: 1024).http.maxConnections == 1024 - 64)
    #expect(command.serviceConfiguration(descriptorLimit: 1 << 20).http.maxConnections == 4096)
    let explicit = try ServeCommand.parse(["--model", "m", "--max-connections", "5000"])
    #expect(explicit.serviceConfiguration(descriptorLimit: 1024).http.maxConnections == 5000)
    let raised = try #require(DescriptorLimit.raiseSoftToHard())
    #expect(raised.soft == raised.hard)
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
    #expect(configuration.requests.maxRequestTokens == nil, "measured at start-up")
    #expect(configuration.http.maxBufferedBytes == 64 * 1024 * 1024)
    #expect(configuration.http.timeouts.idle == .seconds(75))
}

@Test func serveRejectsContradictoryOrInvalidFlags() {
    for flags in [
        ["--port", "70000"], ["--default-alpha", "nan"], ["--default-alpha", "inf"], ["--max-batch-pairs", "0"],
        ["--request-timeout", "0"], ["--max-items-per-request", "0"], ["--max-batch-delay", "-1"],
        ["--max-queued-pairs", "8", "--max-items-per-request", "9"], ["--max-request-tokens", "0"],
        ["--max-connections", "0"], ["--idle-timeout", "0"], ["--header-timeout", "nan"],
        ["--max-buffered-bytes", "1000", "--max-body-bytes", "2000"],
    ] {
        #expect(throws: (any Error).self, "\(flags)") { try ServeCommand.parse(["--model", "m"] + flags) }
    }
}

@Test func serveAnswersThenDrainsAndExitsZeroOnSIGTERM() throws {
    let server = try RunningServer(
        arguments: ["serve", "--model", Fixtures.model("tiny-v2-cased-st").path, "--port", "0", "--threads", "1"])
    defer { server.stop() }
    let ready = try httpRequest(port: server.port, "GET /ready HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    #expect(ready.hasPrefix("HTTP/1.1 200"), "\(ready)")
    kill(server.process.processIdentifier, SIGTERM)
    let rest = server.errors.readDataToEndOfFile()
    server.process.waitUntilExit()
    #expect(server.process.terminationReason == .exit)
    #expect(server.process.terminationStatus == 0)
    #expect(String(decoding: rest, as: UTF8.self).contains("service stopped"))
}

/// Configured only through the environment, as in a container: JSON logs, an API key that never
/// shows in them, and the key enforced.
@Test func serveTakesItsConfigurationFromTheEnvironment() throws {
    let secret = "k-\(UInt64.random(in: 1...UInt64.max))"
    let server = try RunningServer(
        arguments: ["serve"],
        environment: [
            "REWARD_SERVER_MODEL": Fixtures.model("tiny-v2-cased-st").path, "REWARD_SERVER_PORT": "0",
            "REWARD_SERVER_THREADS": "1", "REWARD_SERVER_LOG_FORMAT": "json", "REWARD_SERVER_API_KEY": secret,
            "HF_TOKEN": "hf_not_for_logs",
        ])
    defer { server.stop() }
    let body = #"{"prompt":"a","response":"b"}"#
    let head = "POST /score HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: \(body.utf8.count)\r\n"
    let refused = try httpRequest(port: server.port, head + "X-Request-Id: trace-42\r\n\r\n" + body)
    #expect(refused.hasPrefix("HTTP/1.1 401"), "\(refused)")
    #expect(refused.contains("WWW-Authenticate: Bearer"))
    #expect(refused.contains("X-Request-Id: trace-42"))
    let accepted = try httpRequest(port: server.port, head + "Authorization: Bearer \(secret)\r\n\r\n" + body)
    #expect(accepted.hasPrefix("HTTP/1.1 200"), "\(accepted)")
    kill(server.process.processIdentifier, SIGTERM)
    let log = server.log + String(decoding: server.errors.readDataToEndOfFile(), as: UTF8.self)
    server.process.waitUntilExit()
    #expect(server.process.terminationStatus == 0)
    #expect(!log.contains(secret))
    #expect(!log.contains("hf_not_for_logs"))
    let lines = log.split(separator: "\n")
    #expect(lines.count >= 3)
    for line in lines {
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
        #expect(object["level"] is String && object["message"] is String && object["time"] is String)
    }
    let configuration = try #require(
        lines.lazy.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .first { $0["message"] as? String == "configuration" })
    #expect(configuration["apiKey"] as? String == "<redacted>")
    #expect((configuration["environment"] as? [String])?.contains("REWARD_SERVER_API_KEY") == true)
}

/// The built `reward-server` running with `arguments`, once its "ready" log line has given the port.
private struct RunningServer {
    let process = Process()
    let errors: FileHandle
    let port: Int
    /// stderr up to and including the ready line.
    let log: String

    init(arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("reward-server")
        process.arguments = arguments
        process.environment = ["PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"].merging(environment) { $1 }
        let pipe = Pipe()
        process.standardError = pipe
        errors = pipe.fileHandleForReading
        try process.run()
        var log = ""
        while !log.split(separator: "\n").contains(where: Self.isReadyLine), process.isRunning {
            let chunk = errors.availableData
            if chunk.isEmpty { break }
            log += String(decoding: chunk, as: UTF8.self)
        }
        self.log = log
        let readyLine = log.split(separator: "\n").first(where: Self.isReadyLine)
        guard let readyLine, let port = Self.port(in: readyLine) else {
            process.terminate()
            throw ServerDidNotStart(log: log)
        }
        self.port = port
    }

    func stop() { if process.isRunning { process.terminate() } }

    /// Text logs end with " ready"; JSON logs carry "message":"ready".
    private static func isReadyLine(_ line: Substring) -> Bool {
        line.hasSuffix(" ready") || line.contains(#""message":"ready""#)
    }

    private static func port(in line: Substring) -> Int? {
        if let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] {
            return (object["port"] as? String).flatMap { Int($0) }
        }
        return line.split(separator: " ").first { $0.hasPrefix("port=") }.flatMap { Int($0.dropFirst(5)) }
    }
}

private struct ServerDidNotStart: Error, CustomStringConvertible {
    let log: String
    var description: String { "the server did not report ready:\n\(log)" }
}

/// One request over a fresh connection; returns the raw response text.
private func httpRequest(port: Int, _ raw: String) throws -> String {
    let fd = try connectLoopback(port: port)
    defer { close(fd) }
    let request = Array(raw.utf8)
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

/// The binary serving two models named in REWARD_SERVER_MODEL: each answers by its name, /v1/models
/// lists both, an unknown name is a 404 naming them.
@Test func serveServesEveryModelTheVariableNames() throws {
    let server = try RunningServer(
        arguments: ["serve", "--port", "0", "--threads", "1"],
        environment: [
            "REWARD_SERVER_MODEL":
                "bert=\(Fixtures.model("tiny-v2-cased-st").path),roberta=\(Fixtures.model("tiny-roberta-st").path)"
        ])
    defer { server.stop() }
    func post(_ body: String) throws -> String {
        try httpRequest(
            port: server.port,
            "POST /score HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body)
    }
    let scores = try ["bert", "roberta"].map { name in
        let answer = try post(#"{"model":"\#(name)","prompt":"a","response":"b"}"#)
        #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer)")
        return answer.split(separator: "\r\n\r\n").last.map(String.init) ?? ""
    }
    #expect(scores[0] != scores[1], "both names gave \(scores[0])")
    let unknown = try post(#"{"model":"gpt","prompt":"a","response":"b"}"#)
    #expect(unknown.hasPrefix("HTTP/1.1 404") && unknown.contains("served models: bert, roberta"), "\(unknown)")
    let models = try httpRequest(port: server.port, "GET /v1/models HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
    #expect(models.contains(#""id":"bert""#) && models.contains(#""id":"roberta""#), "\(models)")
}
