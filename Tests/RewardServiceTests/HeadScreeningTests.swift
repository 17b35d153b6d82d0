// What the service decides from a request's head, over loopback: rejections before 100 Continue and
// before the body is read, probes answered while every worker thread is busy, and the cost limit.
import Dispatch
import Foundation
import Synchronization
import HTTPServer
import TestSupport
import Testing
import Tokenizer

@testable import RewardService

private func startRunner(_ adjust: (inout ServiceConfiguration) -> Void = { _ in }) throws -> ServiceRunner {
    try ServiceRunner.start(model: FakeScoringModel(), configuration: testConfiguration(adjust), logger: quietLogger)
}

/// A 4 MiB upload announced with `Expect: 100-continue`, and only its head sent.
private func uploadHead(_ path: String, _ headers: String = "Content-Type: application/json\r\n") -> String {
    "POST \(path) HTTP/1.1\r\nHost: t\r\n\(headers)Expect: 100-continue\r\nContent-Length: 4194304\r\n\r\n"
}

@Test(arguments: [
    (uploadHead("/score"), 401, "unauthorized"),
    (uploadHead("/nowhere"), 404, "not_found"),
    (uploadHead("/health"), 405, "method_not_allowed"),
    (uploadHead("/score", "Authorization: Bearer k\r\nContent-Type: text/plain\r\n"), 415, "unsupported_media_type"),
    (
        uploadHead("/score", "Authorization: Bearer k\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n"),
        415, "unsupported_media_type"
    ),
])
func anUploadRefusedByItsHeadGetsNoContinueAndIsNeverRead(head: String, status: Int, type: String) async throws {
    let runner = try startRunner { $0.authorization = BearerAuthorization(key: "k") }
    let port = runner.port
    let server = runner.server
    try await onThread {
        let client = try LoopbackClient(port: port)
        try client.send(head)
        let response = try client.readOneResponse()
        #expect(response.status == status, "a 100 Continue came first? \(response.status)")
        #expect(response.text.contains(#""type":"\#(type)""#))
        #expect(response.headers["connection"] == "close")
        #expect(response.headers["x-request-id"]?.count == 32)
        #expect(server.bufferedBytes == 0, "nothing was reserved for a body that will not be read")
    }
    await runner.shutdown()
}

/// A model whose tokenization holds its thread until released: CPU-bound work on every handler thread.
private final class StuckTokenizerModel: ScoringModel, Sendable {
    let inner = FakeScoringModel()
    let entered = DispatchSemaphore(value: 0)
    let release = DispatchSemaphore(value: 0)

    var modelDescription: ModelDescription { inner.modelDescription }

    func encode(prompt: String, response: String, truncate: Bool, stopIf shouldStop: () -> Bool) throws -> Encoding {
        if prompt == "stuck" {
            entered.signal()
            release.wait()
        }
        return try inner.encode(prompt: prompt, response: response, truncate: truncate, stopIf: shouldStop)
    }

    func rawScores(_ encodings: [Encoding]) throws -> [Float] { try inner.rawScores(encodings) }
}

@Test func probesAnswerWhileEveryHandlerThreadIsBusy() async throws {
    let model = StuckTokenizerModel()
    let configuration = testConfiguration { $0.http.handlerThreadCount = 2 }
    let runner = try ServiceRunner.start(model: model, configuration: configuration, logger: quietLogger)
    let port = runner.port
    let answers = try await onThread { () -> [Int] in
        let stuck = try (0..<2).map { _ in try LoopbackClient(port: port) }
        for client in stuck { try client.sendPost("/score", json: #"{"prompt":"stuck","response":"r"}"#) }
        model.entered.wait()
        model.entered.wait()
        defer { for _ in stuck { model.release.signal() } }
        let probe = try LoopbackClient(port: port, timeout: .seconds(5))
        return [try probe.get("/health").status, try probe.get("/ready").status]
    }
    #expect(answers == [200, 200])
    await runner.shutdown()
}

@Test func aRequestOverTheTokenLimitIsRefusedBeforeItIsQueued() async throws {
    let model = FakeScoringModel()
    let service = makeService(model: model) { $0.requests.maxRequestTokens = 20 }
    defer { Task { await service.drainQueue() } }
    let pairs = (0..<4).map { _ in #"{"prompt":"abcd","response":"efgh"}"# }.joined(separator: ",")
    let response = await service.call(post("/score", json: #"{"pairs":[\#(pairs)]}"#))
    #expect(response.status.code == 413)
    #expect(response.errorType == "request_too_large")
    #expect(response.text.contains("44 tokens") && response.text.contains("20"))
    #expect(response.text.contains("--request-timeout"))
    #expect(model.computedPrompts.isEmpty)
    let info = await service.call(get("/info")).text
    #expect(info.contains(#""max_request_tokens":20"#))
}

@Test func startUpMeasuresTheTokenLimitWhenNoneIsGiven() async throws {
    let runner = try startRunner()
    let limit = try #require(runner.service.configuration.requests.maxRequestTokens)
    #expect(limit >= FakeScoringModel().modelDescription.maxInputLength)
    await runner.shutdown()
    let fixed = try startRunner { $0.requests.maxRequestTokens = 77 }
    #expect(fixed.service.configuration.requests.maxRequestTokens == 77)
    await fixed.shutdown()
}

@Test func tokenizationStopsWhenTheCallerSaysSo() throws {
    let job = ScoringJob(pairs: [Pair(prompt: "a", response: "b")], alpha: 1, truncate: true)
    #expect(throws: ServiceError.deadlineExceeded) {
        try PairEncoder.encode(job, model: FakeScoringModel(), itemName: nil) { true }
    }
}

@Test func theRealModelStopsTokenizingALongTextWhenAsked() throws {
    let (model, _) = try loadTinyModel()
    let text = String(repeating: "é ", count: 200_000)
    let calls = Mutex(0)
    #expect(throws: RewardModelError.stopped) {
        try model.encode(prompt: text, response: "r", truncate: true) {
            calls.withLock { $0 += 1 }
            return calls.withLock { $0 } >= 3
        }
    }
    #expect(calls.withLock { $0 } == 3, "it stopped inside the text, not after it")
    let whole = try model.encode(prompt: text, response: "r", truncate: true, stopIf: { false })
    #expect(whole == (try model.encode(prompt: text, response: "r")))
}
