// The public server: binds the listening socket, starts the event loops, and runs the
// graceful drain. Everything that happens per connection lives in EventLoop/ServerConnection;
// handler tasks run on the server's own threads (HandlerExecutor), and one MemoryBudget bounds
// the bytes all connections buffer.
//
// Use:
//     let server = HTTPServer(configuration: config, handler: router, logger: logger)
//     let port = try server.start()
//     await server.runUntilShutdownSignal()   // SIGTERM/SIGINT → shutdown(); or call shutdown()
// `isDraining` turns true when the drain starts (a readiness route should answer 503 then).

import CSocket
import Dispatch
import Glibc
import Logging
import Synchronization

/// Failures starting the server.
public enum HTTPServerError: Error, Hashable, Sendable {
    case alreadyStarted
    case socket(errno: Int32)
    case bind(host: String, port: Int, errno: Int32)
    case eventLoop(errno: Int32)
}

/// What every event loop shares; immutable apart from the atomics.
final class ServerCore: Sendable {
    let configuration: HTTPServerConfiguration
    let handler: any HTTPHandler
    let logger: Logger
    let encoder: ResponseEncoder
    let budget: MemoryBudget
    /// Where handler tasks run (not the global concurrency pool).
    let handlers: HandlerExecutor
    let connectionCount = Atomic<Int>(0)
    /// Connections that have sent their last response and only wait for the client's FIN.
    let lingeringCount = Atomic<Int>(0)
    let isDraining = Atomic<Bool>(false)
    /// Requests whose handler task has not finished yet.
    let handlersRunning = Atomic<Int>(0)

    init(configuration: HTTPServerConfiguration, handler: any HTTPHandler, logger: Logger) {
        self.configuration = configuration
        self.handler = handler
        self.logger = logger
        self.encoder = ResponseEncoder(serverName: configuration.serverName)
        self.budget = MemoryBudget(limit: configuration.maxBufferedBytes)
        self.handlers = HandlerExecutor(threads: configuration.handlerThreads, name: "http.handler")
    }

    deinit { handlers.close() }
}

public final class HTTPServer: Sendable {
    private enum State {
        case idle
        case running([EventLoop])
        case draining
        case stopped
    }

    private let core: ServerCore
    private let state = Mutex(State.idle)

    public init(configuration: HTTPServerConfiguration, handler: some HTTPHandler, logger: Logger) {
        core = ServerCore(configuration: configuration, handler: handler, logger: logger)
    }

    public var configuration: HTTPServerConfiguration { core.configuration }

    /// True from the moment `shutdown()` begins (a readiness probe should answer 503).
    public var isDraining: Bool { core.isDraining.load(ordering: .relaxed) }

    /// Connections currently open (including ones being rejected or closed).
    public var openConnections: Int { core.connectionCount.load(ordering: .relaxed) }

    /// Requests handed to the handler whose task has not finished (for metrics, and for tests that
    /// wait for a request to reach its handler instead of sleeping).
    public var requestsInHandlers: Int { core.handlersRunning.load(ordering: .relaxed) }

    /// Bytes held in request bodies and unsent responses across all connections.
    public var bufferedBytes: Int { core.budget.inUse }

    /// Open connections that still have work: not just waiting for a client's FIN.
    var activeConnections: Int {
        openConnections - core.lingeringCount.load(ordering: .relaxed)
    }

    /// Binds, listens and starts the event loops. Returns the bound port.
    @discardableResult
    public func start() throws(HTTPServerError) -> Int {
        try state.withLock { (state: inout State) throws(HTTPServerError) -> Int in
            guard case .idle = state else { throw .alreadyStarted }
            let configuration = core.configuration
            let listenFD = try bindListener(configuration)
            let port = Int(csocket_local_port(listenFD))
            var loops: [EventLoop] = []
            do throws(HTTPServerError) {
                for index in 0..<loopCount(configuration) { loops.append(try EventLoop(index: index, core: core)) }
            } catch {
                close(listenFD)
                throw error
            }
            loops[0].listenFD = listenFD
            loops[0].peers = loops
            for loop in loops { loop.start() }
            state = .running(loops)
            core.logger.info(
                "HTTP server listening",
                metadata: [
                    "host": "\(configuration.host)", "port": "\(port)", "eventLoops": "\(loops.count)",
                    "maxConnections": "\(configuration.maxConnections)",
                    "maxBufferedBytes": "\(configuration.maxBufferedBytes)",
                ])
            return port
        }
    }

    /// Graceful drain: stop accepting, close idle connections, let requests in flight finish
    /// (answered with `Connection: close`) for up to `drainTimeout`, then close what is left and
    /// stop the event loops. Safe to call more than once; later calls return at once.
    public func shutdown() async {
        let loops: [EventLoop]? = state.withLock { state in
            guard case .running(let loops) = state else { return nil }
            state = .draining
            return loops
        }
        guard let loops else { return }
        core.isDraining.store(true, ordering: .relaxed)
        core.logger.info("HTTP server draining", metadata: ["open": "\(openConnections)"])
        loops[0].deliver(.stopAccepting)
        for loop in loops { loop.deliver(.drain) }
        await waitForConnectionsToClose()
        for loop in loops { loop.deliver(.stop) }
        for loop in loops {
            await withCheckedContinuation { continuation in
                loop.finished.notify(queue: .global()) { continuation.resume() }
            }
        }
        state.withLock { $0 = .stopped }
        core.handlers.close()
        core.logger.info("HTTP server stopped")
    }

    private func waitForConnectionsToClose() async {
        let deadline = ContinuousClock.now.advanced(by: core.configuration.drainTimeout)
        while activeConnections > 0 && ContinuousClock.now < deadline {
            do {
                try await Task.sleep(for: .milliseconds(10))
            } catch {
                break  // cancelled: stop waiting and close what is left
            }
        }
        let left = activeConnections
        if left > 0 { core.logger.warning("drain timeout; closing connections", metadata: ["open": "\(left)"]) }
    }

    private func loopCount(_ configuration: HTTPServerConfiguration) -> Int {
        configuration.eventLoopCount > 0 ? configuration.eventLoopCount : max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }

    private func bindListener(_ configuration: HTTPServerConfiguration) throws(HTTPServerError) -> Int32 {
        let family = configuration.host.contains(":") ? AF_INET6 : AF_INET
        let fd = csocket_tcp_socket(family)
        guard fd >= 0 else { throw .socket(errno: errno) }
        guard (0...65535).contains(configuration.port),
            csocket_bind_listen(
                fd, family, configuration.host, UInt16(configuration.port), Int32(configuration.listenBacklog)) == 0
        else {
            let saved = (0...65535).contains(configuration.port) ? errno : EINVAL
            close(fd)
            throw .bind(host: configuration.host, port: configuration.port, errno: saved)
        }
        return fd
    }
}
