// The handler the server listens with from the first second: until the service (model loaded,
// engine warmed up) is installed it answers every request from the head itself — /health 200,
// /ready 503 with the start-up phase, /metrics, and 503 + Retry-After for the other routes — then
// passes everything to the service. Knows the routes through the service's own router.
import HTTPServer
import Logging
import Synchronization

final class ServiceGate: HTTPHandler, Sendable {
    private let installed = Mutex<RewardService?>(nil)
    let progress: StartupProgress
    let configuration: ServiceConfiguration
    let metrics: ServiceMetrics

    init(progress: StartupProgress, configuration: ServiceConfiguration, metrics: ServiceMetrics) {
        self.progress = progress
        self.configuration = configuration
        self.metrics = metrics
    }

    var service: RewardService? { installed.withLock { $0 } }

    func install(_ service: RewardService) { installed.withLock { $0 = service } }

    func answerFromHead(_ head: HTTPRequestHead, context: RequestContext) -> HTTPResponse? {
        if let service { return service.answerFromHead(head, context: context) }
        return starting(method: head.method, path: head.path, head.headers, context: context)
    }

    func handle(_ request: HTTPRequest, context: RequestContext) async -> HTTPResponse {
        if let service { return await service.handle(request, context: context) }
        // Reached only when the service was installed after the head was screened here: answer as
        // the head would have been.
        return starting(method: request.method, path: request.path, request.headers, context: context)
    }

    func serverError(_ status: HTTPStatus, message: String) -> HTTPResponse {
        if let service { return service.serverError(status, message: message) }
        let error = ServiceError.protocolError(status, message)
        if let reason = error.rejectionReason { metrics.recordRejection(reason) }
        return error.response(requestID: "", retryAfterSeconds: configuration.requests.retryAfterSeconds)
    }

    /// The start-up answers, in the service's order: route (404/405), API key, then not ready.
    private func starting(
        method: String, path: String, _ headers: HTTPHeaders, context: RequestContext
    ) -> HTTPResponse {
        var response: HTTPResponse
        switch ServiceState.router.match(method: method, path: path) {
        case .notFound: response = failure(.notFound(path: path), context: context)
        case .methodNotAllowed(let allow):
            response = failure(.methodNotAllowed(method: method, path: path, allow: allow), context: context)
        case .route(.immediate) where path == "/health": response = health()
        case .route(.immediate): response = readiness()
        case .route(.operational) where path == "/metrics": response = metricsText()
        case .route(.operational): response = failure(.notReady, context: context)
        case .route(.scoring(let dialect, _)): response = refusal(headers, dialect: dialect, context: context)
        }
        response.headers.replaceOrAdd(name: "X-Request-Id", value: context.requestID)
        metrics.recordRequest(path: path, status: response.status.code, latency: ContinuousClock.now - context.start)
        return response
    }

    private func health() -> HTTPResponse {
        json(HealthResponse(status: "ok"), status: .ok)
    }

    /// 503 with what start-up is waiting for, and when to ask again.
    private func readiness() -> HTTPResponse {
        var response = json(StartupStatus(progress.current, model: progress.currentModel), status: .serviceUnavailable)
        response.headers.add(name: "Retry-After", value: "\(configuration.requests.retryAfterSeconds)")
        return response
    }

    private func metricsText() -> HTTPResponse {
        HTTPResponse(
            status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"],
            body: metrics.exposition())
    }

    /// A scoring route before ready: 401 without the key, else 503, in the route's error shape.
    private func refusal(_ headers: HTTPHeaders, dialect: ErrorDialect, context: RequestContext) -> HTTPResponse {
        if let authorization = configuration.authorization, !authorization.permits(headers["authorization"]) {
            return failure(.unauthorized, dialect: dialect, context: context)
        }
        return failure(progress.current == .stopping ? .draining : .notReady, dialect: dialect, context: context)
    }

    private func failure(
        _ error: ServiceError, dialect: ErrorDialect = .native, context: RequestContext
    ) -> HTTPResponse {
        if let reason = error.rejectionReason { metrics.recordRejection(reason) }
        return dialect.response(
            for: error, requestID: context.requestID, retryAfterSeconds: configuration.requests.retryAfterSeconds)
    }

    /// Fixed shapes: encoding cannot fail, and if it did the error table would answer.
    private func json<T: Encodable>(_ value: T, status: HTTPStatus) -> HTTPResponse {
        do {
            return try jsonResponse(value, status: status)
        } catch {
            return error.response(requestID: "", retryAfterSeconds: configuration.requests.retryAfterSeconds)
        }
    }
}
