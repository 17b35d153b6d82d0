// The service: the one place that sees the whole flow. `RewardService` is the HTTP handler: it
// screens each request from its head (route, API key, readiness, media type; probes answered
// there), runs the route, and times, counts and logs every request. `ServiceState` holds what the
// routes share (the served models with their queues, metrics, readiness); the routes' bodies live in
// ScoringEndpoints and OperationsEndpoints, start-up and shutdown order in ServiceRunner.
import HTTPServer
import Logging
import Synchronization

public final class RewardService: HTTPHandler, Sendable {
    public static let version = "0.1.0"

    let state: ServiceState

    /// Starts the batcher's engine thread. Scoring routes and /ready answer 503 until `markReady()`.
    public convenience init(
        model: any ScoringModel, configuration: ServiceConfiguration, logger: Logger,
        metrics: ServiceMetrics = ServiceMetrics(version: RewardService.version)
    ) {
        self.init(models: [ModelEntry(model: model)], configuration: configuration, logger: logger, metrics: metrics)
    }

    /// Serves every model of `models` (the first is the default; names must differ), each with its
    /// own batcher. Scoring routes and /ready answer 503 until `markReady()`.
    public init(
        models: [ModelEntry], configuration: ServiceConfiguration, logger: Logger,
        metrics: ServiceMetrics = ServiceMetrics(version: RewardService.version)
    ) {
        state = ServiceState(models: models, configuration: configuration, metrics: metrics, logger: logger)
    }

    public var configuration: ServiceConfiguration { state.configuration }
    public var metrics: ServiceMetrics { state.metrics }
    public var readiness: Readiness { state.readiness }

    public func markReady() { state.setReadiness(.ready) }
    public func markDraining() { state.setReadiness(.draining) }

    /// Stops the batchers' admission and returns once every admitted request has finished.
    public func drainQueue() async { await state.models.drain() }

    public func answerFromHead(_ head: HTTPRequestHead, context: RequestContext) -> HTTPResponse? {
        guard case .answer(let response) = state.screen(method: head.method, path: head.path, head.headers, context)
        else { return nil }
        return finished(response, method: head.method, path: head.path, context: context)
    }

    public func handle(_ request: HTTPRequest, context: RequestContext) async -> HTTPResponse {
        let response: HTTPResponse
        switch state.screen(method: request.method, path: request.path, request.headers, context) {
        case .answer(let early): response = early
        case .run(let handler): response = await handler(state, request, context)
        }
        return finished(response, method: request.method, path: request.path, context: context)
    }

    /// The server calls this once for each request it turns away itself, so it is also where those
    /// rejections are counted.
    public func serverError(_ status: HTTPStatus, message: String) -> HTTPResponse {
        let error = ServiceError.protocolError(status, message)
        if let reason = error.rejectionReason { state.metrics.recordRejection(reason) }
        return error.response(requestID: "", retryAfterSeconds: configuration.requests.retryAfterSeconds)
    }

    /// Stamps the id, records the metrics and writes the access log line.
    private func finished(
        _ response: HTTPResponse, method: String, path: String, context: RequestContext
    ) -> HTTPResponse {
        var response = response
        response.headers.replaceOrAdd(name: "X-Request-Id", value: context.requestID)
        let latency = ContinuousClock.now - context.start
        state.metrics.recordRequest(path: path, status: response.status.code, latency: latency)
        // The access log: debug, since at thousands of requests a second it is a cost, not a record.
        context.logger.debug(
            "request",
            metadata: [
                "method": "\(method)", "path": "\(path)", "status": "\(response.status.code)",
                "seconds": "\(latency.seconds)",
            ])
        return response
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
    /// Requests pick one by their `model` field (ServedModels).
    let models: ServedModels
    let configuration: ServiceConfiguration
    let metrics: ServiceMetrics
    let logger: Logger
    private let readinessValue = Atomic<UInt8>(Readiness.starting.rawValue)
    static let router = makeRouter()

    init(models: [ModelEntry], configuration: ServiceConfiguration, metrics: ServiceMetrics, logger: Logger) {
        self.configuration = configuration
        self.metrics = metrics
        self.logger = logger
        self.models = ServedModels(models, configuration: configuration, metrics: metrics)
    }

    /// The default model's queue.
    var queue: ScoringQueue { models.default.queue }

    var readiness: Readiness { Readiness(rawValue: readinessValue.load(ordering: .acquiring)) ?? .draining }

    func setReadiness(_ readiness: Readiness) { readinessValue.store(readiness.rawValue, ordering: .releasing) }

    private static func makeRouter() -> Router {
        var router = Router()
        router.add("POST", "/score", .scoring(.native) { await $0.score($1, context: $2) })
        router.add("POST", "/rank", .scoring(.native) { await $0.rank($1, context: $2) })
        router.add("GET", "/health", .immediate { $0.health() })
        router.add("GET", "/ready", .immediate { $0.ready() })
        router.add("GET", "/metrics", .operational { state, _, _ in state.metricsText() })
        router.add("GET", "/info", .operational { state, _, _ in state.info() })
        router.add("GET", "/openapi.json", .operational { state, _, _ in state.openAPI() })
        addCompatibilityRoutes(to: &router)
        return router
    }

    enum Screening {
        case answer(HTTPResponse)
        case run(Router.Handler)
    }

    /// Everything decided before the body is read: the route (404/405), then for scoring routes the
    /// API key (nothing about the service shows without it), readiness (a draining server takes no
    /// new work) and the body's media type and encoding. Probes are answered here.
    func screen(method: String, path: String, _ headers: HTTPHeaders, _ context: RequestContext) -> Screening {
        let route: Router.Route
        switch Self.router.match(method: method, path: path) {
        case .notFound: return .answer(failure(.notFound(path: path), context: context))
        case .methodNotAllowed(let allow):
            return .answer(failure(.methodNotAllowed(method: method, path: path, allow: allow), context: context))
        case .route(let matched): route = matched
        }
        switch route {
        case .immediate(let answer): return .answer(answer(self))
        case .operational(let handler): return .run(handler)
        case .scoring(let dialect, let handler):
            do throws(ServiceError) {
                try admit(headers)
                return .run(handler)
            } catch {
                return .answer(failure(error, dialect: dialect, context: context))
            }
        }
    }

    private func admit(_ headers: HTTPHeaders) throws(ServiceError) {
        if let authorization = configuration.authorization, !authorization.permits(headers["authorization"]) {
            throw .unauthorized
        }
        switch readiness {
        case .starting: throw .notReady
        case .draining: throw .draining
        case .ready: break
        }
        try RequestDecoding.checkContentType(headers)
        try RequestDecoding.checkContentEncoding(headers)
    }

    /// The answer for a failed request: counted, logged when internal, shaped by the error table.
    func failure(_ error: ServiceError, context: RequestContext) -> HTTPResponse {
        if let reason = error.rejectionReason { metrics.recordRejection(reason) }
        if case .internalError(let detail) = error {
            context.logger.error("request failed", metadata: ["error": "\(detail)"])
        }
        return error.response(
            requestID: context.requestID, retryAfterSeconds: configuration.requests.retryAfterSeconds)
    }
}
