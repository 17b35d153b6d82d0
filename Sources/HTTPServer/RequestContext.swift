// What travels with one request besides the request itself: its id, a logger that carries the id,
// and when its head arrived. Cancellation is the handler task's own: the connection cancels the
// task when the client goes away, so handlers check `Task.isCancelled` like any Swift code.

import Logging

/// Handed to the handler with each request.
public struct RequestContext: Sendable {
    /// The client's `X-Request-Id` when it is short and plain, else a random one. Every response
    /// carries it back in `X-Request-Id`.
    public let requestID: String
    /// The server's logger with `request.id` set.
    public let logger: Logger
    /// When the request's head was complete: deadlines and latencies count from here.
    public let start: ContinuousClock.Instant

    public init(requestID: String, logger: Logger, start: ContinuousClock.Instant = .now) {
        self.requestID = requestID
        var logger = logger
        logger[metadataKey: "request.id"] = "\(requestID)"
        self.logger = logger
        self.start = start
    }

    /// A context with a fresh id, for calling handlers directly (tests, tools).
    public static func detached(logger: Logger = Logger(label: "http.detached")) -> RequestContext {
        RequestContext(requestID: RequestID.random(), logger: logger)
    }

    /// The context for a request arriving with `headers`: the client's id when acceptable.
    public static func arriving(with headers: HTTPHeaders, logger: Logger) -> RequestContext {
        let id = headers["x-request-id"].flatMap(RequestID.acceptable) ?? RequestID.random()
        return RequestContext(requestID: id, logger: logger)
    }

    /// `response` carrying this request's id back to the client.
    func stamped(_ response: HTTPResponse) -> HTTPResponse {
        var response = response
        response.headers.replaceOrAdd(name: "X-Request-Id", value: requestID)
        return response
    }
}

/// Request ids: the server's own are 128 random bits, so they are unique and unguessable; a
/// client's is echoed only when short and plain (it goes into headers and logs).
public enum RequestID {
    public static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        return hex(high) + hex(low)
    }

    public static func acceptable(_ id: String) -> String? {
        guard (1...64).contains(id.utf8.count), id.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        return id
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// Answers requests. `handle` runs as a task off the I/O threads and may suspend as long as it
/// needs; the task is cancelled when the client goes away.
public protocol HTTPHandler: Sendable {
    /// Called on the event-loop thread as soon as a request's head is complete: before its body is
    /// read and before any `100 Continue`. Return a response to answer without reading the body
    /// (the connection then closes if a body was announced) and without calling `handle`; return
    /// nil to go on. Must be quick and never block: probes are answered here.
    func answerFromHead(_ head: HTTPRequestHead, context: RequestContext) -> HTTPResponse?

    func handle(_ request: HTTPRequest, context: RequestContext) async -> HTTPResponse

    /// The response for an error the server itself detects (malformed request 400, timeouts 408,
    /// limits 413/414/431, over capacity 503, …), in the product's error shape.
    func serverError(_ status: HTTPStatus, message: String) -> HTTPResponse
}

extension HTTPHandler {
    public func answerFromHead(_ head: HTTPRequestHead, context: RequestContext) -> HTTPResponse? { nil }

    /// Plain text, for handlers that have no error shape of their own.
    public func serverError(_ status: HTTPStatus, message: String) -> HTTPResponse {
        plainError(status, message)
    }
}

/// Wraps a closure as a handler.
public struct ClosureHandler: HTTPHandler {
    let body: @Sendable (HTTPRequest, RequestContext) async -> HTTPResponse

    public init(_ body: @escaping @Sendable (HTTPRequest, RequestContext) async -> HTTPResponse) {
        self.body = body
    }

    public func handle(_ request: HTTPRequest, context: RequestContext) async -> HTTPResponse {
        await body(request, context)
    }
}
