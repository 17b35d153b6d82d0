// Every way a request can fail, and the one table that maps each to an HTTP status, an error `type`
// string and extra headers. Handlers throw these, the router's 404/405 and the HTTP server's own
// rejections (given to it through `RewardService.serverError`) are built here; nothing else picks a
// status or writes the error body.
import Batching
import HTTPServer
import StrictJSON

public enum ServiceError: Error, Equatable {
    /// The body is not valid JSON (400).
    case malformedJSON(String)
    /// A Content-Type other than JSON, or a Content-Encoding other than identity (415).
    case unsupportedMediaType(String)
    /// Valid JSON that breaks the API's rules: a missing or wrongly typed field, a non-finite alpha,
    /// an empty or too long list, an over-long pair with truncation off (422).
    case validation(String)
    /// A one-score route (/score, /rank, the rerank and reward routes) asked of an N-label
    /// classifier; the message names the route that answers it (422 in every API's shape).
    case needsClassification(String)
    /// An API key is configured and the request does not carry it (401 + `WWW-Authenticate`).
    case unauthorized
    /// No route for the path (404).
    case notFound(path: String)
    /// The request's `model` names no served model (404, naming the served ones).
    case modelNotServed(requested: String, served: [String])
    /// The path exists but not for the method (405 + `Allow`).
    case methodNotAllowed(method: String, path: String, allow: String)
    /// Something the HTTP server rejected before any route saw it: malformed (400), too slow (408),
    /// over a size limit (413/414/431), over capacity (503), … The server picks the status.
    case protocolError(HTTPStatus, String)
    /// The request alone exceeds the queue's bounds or what can be computed before its deadline,
    /// so it could never be answered (413).
    case requestTooLarge(String)
    /// The queue is full right now (429 + `Retry-After`).
    case overloaded
    /// The engine cannot compute the request before its deadline beside the work already admitted:
    /// refused at admission (429, type `overloaded`, + a `Retry-After` of its own from the bookings).
    case deadlineUnreachable(engineSeconds: Double, freeEngineSeconds: Double, secondsLeft: Double, retryAfterSeconds: Int)
    /// The model is not loaded and warmed up yet (503 + `Retry-After`).
    case notReady
    /// The service is shutting down (503 + `Retry-After`).
    case draining
    /// The request's deadline passed before its pairs were computed (504).
    case deadlineExceeded
    /// The client went away; nobody reads this answer (499, nginx's "client closed request").
    case clientDisconnected
    /// Anything else. The message is for the log only, never the response (500).
    case internalError(String)

    public var status: HTTPStatus {
        Self.table(self).status
    }

    public var type: String {
        Self.table(self).type
    }

    /// The one table: status and error type per kind.
    static func table(_ error: ServiceError) -> (status: HTTPStatus, type: String) {
        switch error {
        case .malformedJSON: (.badRequest, "invalid_json")
        case .unsupportedMediaType: (.unsupportedMediaType, "unsupported_media_type")
        case .validation: (.unprocessableContent, "validation_error")
        case .needsClassification: (.unprocessableContent, "classifier_model")
        case .unauthorized: (.unauthorized, "unauthorized")
        case .notFound: (.notFound, "not_found")
        case .modelNotServed: (.notFound, "model_not_found")
        case .methodNotAllowed: (.methodNotAllowed, "method_not_allowed")
        case .protocolError(let status, _): (status, protocolErrorType(status))
        case .requestTooLarge: (.contentTooLarge, "request_too_large")
        case .overloaded, .deadlineUnreachable: (.tooManyRequests, "overloaded")
        case .notReady: (.serviceUnavailable, "not_ready")
        case .draining: (.serviceUnavailable, "shutting_down")
        case .deadlineExceeded: (.gatewayTimeout, "deadline_exceeded")
        case .clientDisconnected: (HTTPStatus(code: 499, reason: "Client Closed Request"), "client_disconnected")
        case .internalError: (.internalServerError, "internal_error")
        }
    }

    /// The types of statuses the HTTP server generates itself. 413 here is a body over
    /// `--max-body-bytes` (`payload_too_large`); a request whose work is too large is `request_too_large`.
    private static func protocolErrorType(_ status: HTTPStatus) -> String {
        switch status.code {
        case 400: "bad_request"
        case 408: "request_timeout"
        case 413: "payload_too_large"
        case 414: "uri_too_long"
        case 417: "expectation_failed"
        case 431: "header_fields_too_large"
        case 503: "service_unavailable"
        case 505: "http_version_not_supported"
        default: status.code >= 500 ? "server_error" : "client_error"
        }
    }

    /// The message a client sees. Internal errors say only where to look.
    func publicMessage(requestID: String) -> String {
        switch self {
        case .malformedJSON(let message), .unsupportedMediaType(let message), .validation(let message),
            .needsClassification(let message), .requestTooLarge(let message), .protocolError(_, let message):
            message
        case .unauthorized: "missing or wrong API key: send Authorization: Bearer <key>"
        case .notFound(let path): "no route for \(path)"
        case .modelNotServed(let requested, let served):
            "model \"\(requested)\" is not served; served models: \(served.joined(separator: ", "))"
        case .methodNotAllowed(let method, let path, _): "\(method) is not allowed on \(path)"
        case .overloaded: "the queue is full; retry later"
        case .deadlineUnreachable(let needed, let free, let left, let retryAfter):
            "the engine is too busy to compute this request before its deadline: it needs about "
                + "\(Self.roundedSeconds(needed)) s of engine time, and the requests already admitted leave "
                + "\(Self.roundedSeconds(free)) s free before the deadline, \(Self.roundedSeconds(left)) s away; "
                + "retry in \(retryAfter) s, or send fewer pairs"
        case .notReady: "the model is not ready yet; retry later"
        case .draining: "the server is shutting down; retry on another replica"
        case .deadlineExceeded: "the request was not computed before its deadline"
        case .clientDisconnected: "the client disconnected"
        case .internalError: "internal error (request \(requestID))"
        }
    }

    /// The JSON error response, with `Retry-After` where the client should come back.
    func response(requestID: String, retryAfterSeconds: Int) -> HTTPResponse {
        var headers: HTTPHeaders = [:]
        switch self {
        case .overloaded, .notReady, .draining: headers.add(name: "Retry-After", value: "\(retryAfterSeconds)")
        case .deadlineUnreachable(_, _, _, let retryAfter): headers.add(name: "Retry-After", value: "\(retryAfter)")
        case .protocolError(let status, _) where status == .serviceUnavailable:
            headers.add(name: "Retry-After", value: "\(retryAfterSeconds)")
        case .methodNotAllowed(_, _, let allow): headers.add(name: "Allow", value: allow)
        case .unauthorized: headers.add(name: "WWW-Authenticate", value: #"Bearer realm="reward-server""#)
        default: break
        }
        return .error(status, type: type, message: publicMessage(requestID: requestID), extraHeaders: headers)
    }

    /// How the batcher's failures read to a client.
    init(_ error: BatchingError) {
        switch error {
        case .overloaded: self = .overloaded
        case .deadlineUnreachable(let needed, let free, let left, let retryAfter):
            self = .deadlineUnreachable(
                engineSeconds: needed, freeEngineSeconds: free, secondsLeft: left, retryAfterSeconds: retryAfter)
        case .requestTooLarge(let items, let tokens):
            self = .requestTooLarge(
                "the request's \(items) pairs (\(tokens) tokens) exceed the queue's bounds on their own")
        case .deadlineExceeded: self = .deadlineExceeded
        case .cancelled: self = .clientDisconnected
        case .shuttingDown: self = .draining
        case .invalidRequest(let message): self = .internalError("batcher rejected a submission: \(message)")
        case .engineFailed(let underlying): self = .internalError("engine failed: \(underlying)")
        }
    }

    /// Seconds to one decimal, for messages.
    private static func roundedSeconds(_ seconds: Double) -> String {
        let tenths = Int((min(max(seconds, 0), 1e9) * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }

    /// How a request body's missing or wrongly typed field reads to a client (422), naming its path.
    init(_ error: JSONFieldError) {
        switch error.problem {
        case .missing: self = .validation("missing field '\(error.path)'")
        case .wrongType(let found):
            let name = error.path.isEmpty ? "body" : error.path
            self = .validation("field '\(name)' must be \(error.expected), got \(found.kind)")
        }
    }

    /// The `reason` label of the rejections counter, for the kinds it counts.
    var rejectionReason: String? {
        switch self {
        case .overloaded: "overloaded"
        case .deadlineUnreachable: "deadline_unreachable"
        case .deadlineExceeded: "timeout"
        case .clientDisconnected: "disconnected"
        case .malformedJSON, .unsupportedMediaType, .validation, .needsClassification, .requestTooLarge,
            .modelNotServed:
            "validation"
        case .notReady, .draining: "unavailable"
        case .unauthorized: "unauthorized"
        case .protocolError(let status, _) where status == .requestTimeout: "slow_client"
        case .protocolError(let status, _) where status == .serviceUnavailable: "server_busy"
        case .protocolError: "malformed"
        case .notFound, .methodNotAllowed, .internalError: nil
        }
    }
}
