// Per-request facts a handler may need beyond the request itself: whether the client is
// still there, and a hook to drop queued work when it goes away.

import Logging
import Synchronization

/// Handed to the handler with each request.
public struct RequestContext: Sendable {
    let cancellation: RequestCancellation
    /// The server's logger; handlers add their own metadata.
    public let logger: Logger

    init(cancellation: RequestCancellation = RequestCancellation(), logger: Logger) {
        self.cancellation = cancellation
        self.logger = logger
    }

    /// A context that is never cancelled, for calling handlers directly (tests, tools).
    public static func detached(logger: Logger = Logger(label: "http.detached")) -> RequestContext {
        RequestContext(logger: logger)
    }

    /// True once the client's connection is gone (closed, reset, timed out, or dropped at
    /// the end of a drain). Its answer will not be sent.
    public var isCancelled: Bool { cancellation.isCancelled }

    /// Runs `action` once when the client goes away; at once if it already has. Use it to
    /// take queued work out of a batch. Keep it short: it runs on an event-loop thread.
    public func onCancel(_ action: @escaping @Sendable () -> Void) {
        cancellation.onCancel(action)
    }
}

final class RequestCancellation: Sendable {
    private struct State {
        var cancelled = false
        var actions: [@Sendable () -> Void] = []
    }

    private let state = Mutex(State())

    var isCancelled: Bool { state.withLock { $0.cancelled } }

    func onCancel(_ action: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state -> Bool in
            if state.cancelled { return true }
            state.actions.append(action)
            return false
        }
        if runNow { action() }
    }

    func cancel() {
        let actions = state.withLock { state -> [@Sendable () -> Void] in
            if state.cancelled { return [] }
            state.cancelled = true
            defer { state.actions = [] }
            return state.actions
        }
        for action in actions { action() }
    }
}

/// Answers requests. Called off the I/O threads; it may suspend as long as it needs (the
/// connection's timeouts do not run while a request is in a handler).
public protocol HTTPHandler: Sendable {
    func handle(_ request: HTTPRequest, context: RequestContext) async -> HTTPResponse
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
