// The service: the one place that sees the whole flow. `RewardService` is the HTTP handler: it
// stamps a request id, routes, times and counts every request. `ServiceState` holds what the routes
// share (model, queue, metrics, readiness); the routes' bodies live in ScoringEndpoints and
// OperationsEndpoints, start-up and shutdown order in ServiceRunner.
import HTTPServer
import Logging
import Synchronization

public final class RewardService: HTTPHandler, Sendable {
    public static let version = "0.1.0"

    let state: ServiceState
    private let router: Router
    private let nextRequestNumber = Atomic<UInt64>(1)

    /// Starts the batcher's engine thread. Scoring routes and /ready answer 503 until `markReady()`.
    public init(
        model: any ScoringModel, configuration: ServiceConfiguration, logger: Logger,
        metrics: ServiceMetrics = ServiceMetrics(version: RewardService.version)
    ) {
        state = ServiceState(model: model, configuration: configuration, metrics: metrics, logger: logger)
        router = state.makeRouter()
    }

    public var configuration: ServiceConfiguration { state.configuration }
    public var metrics: ServiceMetrics { state.metrics }
    public var readiness: Readiness { state.readiness }

    public func markReady() { state.setReadiness(.ready) }
    public func markDraining() { state.setReadiness(.draining) }

    /// One forward pass, so the first request does not pay for first-touch page faults and BLAS set-up.
    public static func warmUp(_ model: any ScoringModel) throws {
        let encoding = try model.encode(prompt: "warm-up", response: "warm-up", truncate: true)
        _ = try model.rawScores([encoding])
    }

    /// Stops the batcher's admission and returns once every admitted request has finished.
    public func drainQueue() async { await state.queue.drain() }

    public func handle(_ request: HTTPRequest, context: RequestContext) async -> HTTPResponse {
        let start = ContinuousClock.now
        let requestID = request.headers["x-request-id"].flatMap(Self.acceptableRequestID) ?? makeRequestID()
        var logger = context.logger
        logger[metadataKey: "request.id"] = "\(requestID)"
        let call = ServiceCall(requestID: requestID, logger: logger, start: start)
        var response = await ServiceCall.$current.withValue(call) {
            await router.handle(request, context: context)
        }
        response.headers.replaceOrAdd(name: "X-Request-Id", value: requestID)
        let latency = ContinuousClock.now - start
        state.metrics.recordRequest(path: request.path, status: response.status.code, latency: latency)
        // The access log: debug, since at thousands of requests a second it is a cost, not a record.
        logger.debug(
            "request",
            metadata: [
                "method": "\(request.method)", "path": "\(request.path)", "status": "\(response.status.code)",
                "seconds": "\(latency.seconds)",
            ])
        return response
    }

    private func makeRequestID() -> String {
        "req-\(nextRequestNumber.wrappingAdd(1, ordering: .relaxed).oldValue)"
    }

    /// A client's id is echoed only when it is short and plain (it goes into headers and logs).
    private static func acceptableRequestID(_ id: String) -> String? {
        guard (1...64).contains(id.utf8.count), id.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        return id
    }
}

public enum Readiness: UInt8, Sendable {
    /// Not warmed up or not listening yet.
    case starting = 0
    case ready = 1
    /// Shutting down.
    case draining = 2
}

/// What every route shares. Immutable apart from the readiness flag.
final class ServiceState: Sendable {
    let model: any ScoringModel
    let configuration: ServiceConfiguration
    let metrics: ServiceMetrics
    let queue: ScoringQueue
    let logger: Logger
    private let readinessValue = Atomic<UInt8>(Readiness.starting.rawValue)

    init(model: any ScoringModel, configuration: ServiceConfiguration, metrics: ServiceMetrics, logger: Logger) {
        self.model = model
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
        queue = ScoringQueue(model: model, limits: configuration.batching, metrics: metrics)
    }

    var readiness: Readiness { Readiness(rawValue: readinessValue.load(ordering: .acquiring)) ?? .draining }

    func setReadiness(_ readiness: Readiness) { readinessValue.store(readiness.rawValue, ordering: .releasing) }

    func makeRouter() -> Router {
        var router = Router()
        router.add("POST", "/score") { await self.score($0, context: $1, call: .current) }
        router.add("POST", "/rank") { await self.rank($0, context: $1, call: .current) }
        router.add("GET", "/health") { _, _ in self.health() }
        router.add("GET", "/ready") { _, _ in self.ready() }
        router.add("GET", "/metrics") { _, _ in self.metricsText() }
        router.add("GET", "/info") { _, _ in self.info() }
        router.add("GET", "/openapi.json") { _, _ in self.openAPI() }
        return router
    }

    /// The answer for a failed request: counted, logged when internal, shaped by the error table.
    func failure(_ error: ServiceError, call: ServiceCall) -> HTTPResponse {
        if let reason = error.rejectionReason { metrics.recordRejection(reason) }
        if case .internalError(let detail) = error {
            call.logger.error("request failed", metadata: ["error": "\(detail)"])
        }
        return error.response(requestID: call.requestID, retryAfterSeconds: configuration.requests.retryAfterSeconds)
    }
}

/// Per-request facts the routes share: the id, a logger carrying it, the arrival time. Carried in a
/// task local so the `Router`'s route signature stays (request, context).
struct ServiceCall: Sendable {
    let requestID: String
    let logger: Logger
    let start: ContinuousClock.Instant

    @TaskLocal static var current = ServiceCall(
        requestID: "none", logger: Logger(label: "reward.service"), start: .now)
}
