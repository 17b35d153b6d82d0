// Fakes and factories for the service tests: a deterministic fake model (no weights) that can be
// held inside a batch and records what it computed, an in-memory log handler, request builders,
// and a condition poller for the few states only observable by looking.
import Foundation
import HTTPServer
import Logging
import Synchronization
import TestSupport
import Testing
import Tokenizer

@testable import RewardService

struct FakeEngineFailure: Error {}

/// Encodes a pair as one token per UTF-8 byte plus [CLS]/[SEP]s; its raw score is a fixed function of
/// the ids, so any routing mistake shows. A prompt "explode" makes the engine throw. While `hold()`
/// is in force, every batch waits in the engine until `release()`.
final class FakeScoringModel: ScoringModel {
    let maxLength: Int
    private let state = Mutex(State())
    private let gate = DispatchSemaphore(value: 0)

    private struct State {
        var batches: [[String]] = []
        var holding = false
        var batchesInEngine = 0
    }

    init(maxLength: Int = 64) { self.maxLength = maxLength }

    var modelDescription: ModelDescription {
        ModelDescription(path: "/fake/model", layout: "fake", hiddenSize: 8, layers: 1, maxInputLength: maxLength)
    }

    func encode(prompt: String, response: String, truncate: Bool, stopIf shouldStop: () -> Bool) throws -> Encoding {
        if shouldStop() { throw RewardModelError.stopped }
        var ids: [Int32] = [101] + prompt.utf8.map { Int32($0) } + [102]
        if !response.isEmpty { ids += response.utf8.map { Int32($0) } + [102] }
        if ids.count > maxLength {
            guard truncate else { throw RewardModelError.pairTooLong(tokens: ids.count, limit: maxLength) }
            ids = Array(ids.prefix(maxLength))
        }
        return Encoding(ids: ids, tokens: [prompt, response], typeIds: [Int32](repeating: 0, count: ids.count))
    }

    /// The score `rawScores` gives an encoding of this pair.
    static func expectedRaw(prompt: String, response: String) -> Float {
        let bytes = Array(prompt.utf8) + Array(response.utf8)
        let sum = bytes.enumerated().reduce(0) { $0 + (Int($1.offset) + 1) * Int($1.element) }
        return Float(sum % 2001 - 1000) / 100
    }

    func rawScores(_ encodings: [Encoding]) throws -> [Float] {
        let prompts = encodings.map { $0.tokens[0] }
        let holding = state.withLock { state in
            state.batches.append(prompts)
            state.batchesInEngine += 1
            return state.holding
        }
        defer { state.withLock { $0.batchesInEngine -= 1 } }
        if holding { gate.wait() }
        if prompts.contains("explode") { throw FakeEngineFailure() }
        return encodings.map { Self.expectedRaw(prompt: $0.tokens[0], response: $0.tokens[1]) }
    }

    /// Every prompt the engine has seen, batch by batch.
    var batches: [[String]] { state.withLock { $0.batches } }
    var computedPrompts: [String] { batches.flatMap { $0 } }
    var batchesInEngine: Int { state.withLock { $0.batchesInEngine } }

    func hold() { state.withLock { $0.holding = true } }

    /// Lets every held batch (and every later one) through.
    func release() {
        let waiting = state.withLock { state in
            state.holding = false
            return state.batchesInEngine
        }
        for _ in 0..<max(waiting, 1) { gate.signal() }
    }
}

let quietLogger = Logger(label: "reward.test", factory: { _ in SwiftLogNoOpLogHandler() })

func testConfiguration(_ adjust: (inout ServiceConfiguration) -> Void = { _ in }) -> ServiceConfiguration {
    var configuration = ServiceConfiguration(
        http: HTTPServerConfiguration(host: "127.0.0.1", port: 0, timerResolution: .milliseconds(20)))
    // Requests held in the engine on purpose must outlive other suites' hold on the concurrency pool;
    // the tests of deadlines set their own.
    configuration.requests.requestTimeout = .seconds(300)
    adjust(&configuration)
    return configuration
}

/// A ready service over `model` (no sockets). Call `drainQueue()` when done so its thread exits.
func makeService(
    model: any ScoringModel = FakeScoringModel(), logger: Logger = quietLogger,
    _ adjust: (inout ServiceConfiguration) -> Void = { _ in }
) -> RewardService {
    let service = RewardService(model: model, configuration: testConfiguration(adjust), logger: logger)
    service.markReady()
    return service
}

func post(_ path: String, json: String, contentType: String? = "application/json") -> HTTPRequest {
    var headers: HTTPHeaders = [:]
    if let contentType { headers.add(name: "Content-Type", value: contentType) }
    return HTTPRequest(method: "POST", target: path, headers: headers, body: Array(json.utf8))
}

func get(_ path: String) -> HTTPRequest { HTTPRequest(method: "GET", target: path) }

extension RewardService {
    func call(_ request: HTTPRequest) async -> HTTPResponse {
        await handle(request, context: .arriving(with: request.headers, logger: quietLogger))
    }
}

extension HTTPResponse {
    var text: String { String(decoding: body, as: UTF8.self) }

    func decoded<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(body))
    }

    /// The error `type` of an error body, or nil.
    var errorType: String? { (try? decoded(ErrorResponse.self))?.error.type }
    var errorMessage: String { (try? decoded(ErrorResponse.self))?.error.message ?? "" }
}

/// The value of a metric line (exact name with labels) in Prometheus text, or nil.
func metricValue(_ exposition: String, _ series: String) -> Double? {
    for line in exposition.split(separator: "\n") where line.hasPrefix(series + " ") {
        return Double(line.dropFirst(series.count + 1))
    }
    return nil
}

/// Polls `condition` until it holds or `timeout` passes; for states that have no event to await.
/// The timeout is generous: other suites' synchronous work can hold the concurrency pool for seconds,
/// and a passing test never waits for it.
func eventually(
    timeout: Duration = .seconds(120), _ condition: () -> Bool
) async -> Bool {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while ContinuousClock.now < deadline {
        if condition() { return true }
        do { try await Task.sleep(for: .milliseconds(2)) } catch { break }  // cancelled: answer now
    }
    return condition()
}

final class ErrorList: Sendable {
    private let items = Mutex<[String]>([])
    var all: [String] { items.withLock { $0 } }
    func append(_ item: String) { items.withLock { $0.append(item) } }
}

/// A value handed between threads under a lock.
final class Box<T: Sendable>: Sendable {
    private let storage: Mutex<T>
    init(_ value: T) { storage = Mutex(value) }
    var value: T {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }

    func withValue(_ body: (inout T) -> Void) { storage.withLock { body(&$0) } }
}
