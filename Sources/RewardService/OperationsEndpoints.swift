// The operational routes: /health (never touches the engine or queue), /ready, /metrics, /info and
// /openapi.json. None of them waits on the engine.
import HTTPServer

struct HealthResponse: Codable, Sendable, Equatable {
    var status: String
}

extension ServiceState {
    func health() -> HTTPResponse {
        respond { () throws(ServiceError) in try jsonResponse(HealthResponse(status: "ok")) }
    }

    /// 200 once warmed up and listening, 503 (+ Retry-After) before that and while draining.
    func ready() -> HTTPResponse {
        respond { () throws(ServiceError) in
            switch readiness {
            case .ready: return try jsonResponse(HealthResponse(status: "ready"))
            case .starting: throw .notReady
            case .draining: throw .draining
            }
        }
    }

    func metricsText() -> HTTPResponse {
        HTTPResponse(
            status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"],
            body: metrics.exposition())
    }

    func info() -> HTTPResponse {
        respond { () throws(ServiceError) in
            try jsonResponse(ServiceInfo(models: models, configuration: configuration))
        }
    }

    func openAPI() -> HTTPResponse {
        HTTPResponse(
            status: .ok, headers: ["Content-Type": "application/json"],
            body: Array(OpenAPIDocument.json(configuration: configuration, models: models.names).utf8))
    }

    /// Operational routes answer 503 through the error table, but are not counted as rejections.
    /// (An encoding failure cannot happen for these fixed shapes; the table still answers it.)
    private func respond(_ body: () throws(ServiceError) -> HTTPResponse) -> HTTPResponse {
        do {
            return try body()
        } catch {
            if case .internalError(let detail) = error {
                logger.error("operational route failed", metadata: ["error": "\(detail)"])
            }
            return error.response(requestID: "", retryAfterSeconds: configuration.requests.retryAfterSeconds)
        }
    }
}
