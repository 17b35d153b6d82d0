// The server's configuration tree: where to listen, limits, timeouts, caps. Values only;
// the CLI fills it and the server logs it at start-up.

import Foundation

public struct HTTPTimeouts: Hashable, Sendable {
    /// From the first byte of a request until its head is complete (slowloris). Then 408 + close.
    public var header: Duration
    /// From the end of the head until the whole body has arrived. Then 408 + close.
    public var body: Duration
    /// How long a keep-alive connection may sit with no request in progress. Then a quiet close.
    public var idle: Duration
    /// How long queued response bytes may go without any being written (a client that never
    /// reads). Then the connection is dropped.
    public var write: Duration

    public init(
        header: Duration = .seconds(10), body: Duration = .seconds(30),
        idle: Duration = .seconds(75), write: Duration = .seconds(30)
    ) {
        self.header = header
        self.body = body
        self.idle = idle
        self.write = write
    }
}

public struct HTTPServerConfiguration: Hashable, Sendable {
    /// An IPv4 or IPv6 literal, e.g. "0.0.0.0", "127.0.0.1", "::".
    public var host: String
    /// 0 asks the kernel for an ephemeral port; `HTTPServer.start()` returns the bound one.
    public var port: Int
    public var limits: HTTPLimits
    public var timeouts: HTTPTimeouts
    /// Open connections beyond this are answered 503 and closed. From 15/16 of it on, the
    /// longest-idle keep-alive (or silent) connections are closed to make room for new ones.
    /// Keep it below the process's descriptor limit (`DescriptorLimit`).
    public var maxConnections: Int
    /// Bytes all connections together may hold in request bodies (announced by Content-Length or
    /// arriving chunked) and unsent responses. A new upload that does not fit gets 503 from its
    /// head, unread.
    public var maxBufferedBytes: Int
    /// Unsent response bytes one connection may hold before it stops reading and parsing (a
    /// client that pipelines requests without reading the answers).
    public var maxUnsentBytesPerConnection: Int
    /// Requests parsed ahead of their answers on one connection (pipelining depth).
    public var maxPipelinedRequests: Int
    /// How long `shutdown()` waits for in-flight requests before closing what is left.
    public var drainTimeout: Duration
    /// The `Server` header value.
    public var serverName: String
    /// Event-loop threads; 0 means one per CPU core.
    public var eventLoopCount: Int
    /// Threads that run handler tasks (decoding, tokenization, waiting for the engine); 0 means
    /// one per CPU core, at least two.
    public var handlerThreadCount: Int

    var handlerThreads: Int {
        handlerThreadCount > 0 ? handlerThreadCount : max(2, ProcessInfo.processInfo.activeProcessorCount)
    }
    /// How often timeouts are checked; a timeout fires at most this late.
    public var timerResolution: Duration
    public var listenBacklog: Int

    public init(
        host: String = "127.0.0.1", port: Int = 0, limits: HTTPLimits = HTTPLimits(),
        timeouts: HTTPTimeouts = HTTPTimeouts(), maxConnections: Int = 4096,
        maxBufferedBytes: Int = 64 * 1024 * 1024, maxUnsentBytesPerConnection: Int = 64 * 1024,
        maxPipelinedRequests: Int = 16,
        drainTimeout: Duration = .seconds(25), serverName: String = "reward-server",
        eventLoopCount: Int = 0, handlerThreadCount: Int = 0, timerResolution: Duration = .milliseconds(100), listenBacklog: Int = 1024
    ) {
        self.host = host
        self.port = port
        self.limits = limits
        self.timeouts = timeouts
        self.maxConnections = maxConnections
        self.maxBufferedBytes = maxBufferedBytes
        self.maxUnsentBytesPerConnection = maxUnsentBytesPerConnection
        self.maxPipelinedRequests = maxPipelinedRequests
        self.drainTimeout = drainTimeout
        self.serverName = serverName
        self.eventLoopCount = eventLoopCount
        self.handlerThreadCount = handlerThreadCount
        self.timerResolution = timerResolution
        self.listenBacklog = listenBacklog
    }
}

/// A point on the monotonic clock, in nanoseconds. The state machine takes these as input so
/// tests can drive time by hand.
struct Instant: Comparable, Hashable, Sendable {
    var nanoseconds: UInt64

    static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    func advanced(by duration: Duration) -> Instant {
        Instant(nanoseconds: nanoseconds &+ duration.nanoseconds)
    }
}

extension Duration {
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        return UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000)
    }
}
