// One epoll event loop on its own dedicated Dispatch queue: it accepts (loop 0 only), reads,
// writes and runs timers for the connections it owns. Connection state is touched only on
// this loop's thread; other threads talk to it through `deliver`, which wakes it via an
// eventfd. Handlers never run here: they run as tasks and post their answers back.

import CSocket
import Dispatch
import Glibc
import Logging
import Synchronization

final class EventLoop: @unchecked Sendable {
    enum Message {
        case adopt(fd: Int32, overCapacity: Bool)
        /// Close this loop's longest-idle connection to make room (the cap is near).
        case shedIdle
        case response(fd: Int32, connection: UInt64, request: UInt64, HTTPResponse)
        case stopAccepting
        case drain
        case stop
    }

    private struct Inbox {
        var messages: [Message] = []
        var wakePending = false
        /// Set when the loop has exited; late messages (a handler finishing after shutdown) are dropped.
        var closed = false
    }

    let index: Int
    let core: ServerCore
    private let epollFD: Int32
    private let wakeFD: Int32
    private let inbox = Mutex(Inbox())
    private let queue: DispatchQueue
    let finished = DispatchGroup()

    // Loop-thread state. `peers` and `listenFD` are set before `start()` and then only read here.
    var peers: [EventLoop] = []
    var listenFD: Int32 = -1
    private var connections: [Int32: ServerConnection] = [:]
    private var nextConnectionID: UInt64 = 0
    private var nextPeer = 0
    private var running = true
    private var acceptPausedUntil: Instant?
    private var nextSweep = Instant(nanoseconds: 0)
    let readBuffer: UnsafeMutableRawBufferPointer
    private var dateBytes: [UInt8] = []
    private var dateRefreshedAt = Instant(nanoseconds: 0)

    init(index: Int, core: ServerCore) throws(HTTPServerError) {
        self.index = index
        self.core = core
        epollFD = csocket_epoll_create()
        guard epollFD >= 0 else { throw .eventLoop(errno: errno) }
        wakeFD = csocket_eventfd()
        guard wakeFD >= 0 else {
            let saved = errno
            close(epollFD)
            throw .eventLoop(errno: saved)
        }
        queue = DispatchQueue(label: "http.event-loop.\(index)", qos: .userInitiated)
        readBuffer = .allocate(byteCount: 64 * 1024, alignment: 16)
        _ = csocket_epoll_ctl(epollFD, 1, wakeFD, CSOCKET_EV_IN, UInt64(wakeFD))
    }

    deinit {
        readBuffer.deallocate()
    }

    func start() {
        if listenFD >= 0 { _ = csocket_epoll_ctl(epollFD, 1, listenFD, CSOCKET_EV_IN, UInt64(listenFD)) }
        finished.enter()
        queue.async { self.run() }
    }

    /// Posts a message from any thread. The eventfd is signalled under the lock so it can never
    /// be written after the loop closed it.
    func deliver(_ message: Message) {
        inbox.withLock { inbox in
            guard !inbox.closed else { return }
            inbox.messages.append(message)
            if inbox.wakePending { return }
            inbox.wakePending = true
            _ = csocket_eventfd_signal(wakeFD)
        }
    }

    static func now() -> Instant { Instant(nanoseconds: csocket_monotonic_nanos()) }

    private func run() {
        let capacity = 256
        var tokens = [UInt64](repeating: 0, count: capacity)
        var events = [UInt32](repeating: 0, count: capacity)
        let resolution = core.configuration.timerResolution
        let waitMilliseconds = Int32(clamping: max(1, resolution.nanoseconds / 1_000_000))
        while running {
            let count = csocket_epoll_wait(epollFD, &tokens, &events, Int32(capacity), waitMilliseconds)
            let now = EventLoop.now()
            for slot in 0..<max(0, Int(count)) {
                handle(token: tokens[slot], events: events[slot], now: now)
            }
            if now >= nextSweep {
                nextSweep = now.advanced(by: resolution)
                sweep(now: now)
            }
        }
        shutDownLoop()
    }

    private func handle(token: UInt64, events: UInt32, now: Instant) {
        let fd = Int32(truncatingIfNeeded: token)
        if fd == wakeFD {
            _ = csocket_eventfd_drain(wakeFD)
            processInbox(now: now)
        } else if fd == listenFD {
            acceptConnections(now: now)
        } else if let connection = connections[fd] {
            if events & CSOCKET_EV_OUT != 0 { connection.writable(now: now) }
            if events & (CSOCKET_EV_IN | CSOCKET_EV_HUP | CSOCKET_EV_ERR) != 0, connections[fd] === connection {
                connection.readable(now: now)
            }
        }
    }

    private func processInbox(now: Instant) {
        let messages = inbox.withLock { inbox -> [Message] in
            inbox.wakePending = false
            defer { inbox.messages.removeAll(keepingCapacity: true) }
            return inbox.messages
        }
        for message in messages {
            switch message {
            case .adopt(let fd, let overCapacity): adopt(fd: fd, overCapacity: overCapacity, now: now)
            case .shedIdle: shedIdleConnection()
            case .response(let fd, let id, let request, let response):
                guard let connection = connections[fd], connection.id == id else { continue }
                connection.responded(to: request, with: response, now: now)
            case .stopAccepting: stopAccepting()
            case .drain:
                for connection in Array(connections.values) { connection.startDrain(now: now) }
            case .stop: running = false
            }
        }
    }

    private func sweep(now: Instant) {
        for connection in Array(connections.values) { connection.tick(now: now) }
        if let until = acceptPausedUntil, now >= until, listenFD >= 0 {
            acceptPausedUntil = nil
            _ = csocket_epoll_ctl(epollFD, 1, listenFD, CSOCKET_EV_IN, UInt64(listenFD))
        }
    }

    private func shutDownLoop() {
        for connection in Array(connections.values) { connection.destroy() }
        stopAccepting()
        inbox.withLock { inbox in
            inbox.closed = true
            inbox.messages = []
        }
        close(wakeFD)
        close(epollFD)
        finished.leave()
    }
}

// MARK: - Accepting and owning connections

extension EventLoop {
    private func acceptConnections(now: Instant) {
        while true {
            let fd = csocket_accept_nonblocking(listenFD)
            if fd < 0 {
                let error = errno
                if error == EINTR || error == ECONNABORTED { continue }
                if error != EAGAIN && error != EWOULDBLOCK { pauseAccepting(error: error, now: now) }
                return
            }
            _ = csocket_set_nodelay(fd)
            let open = core.connectionCount.add(1, ordering: .relaxed).newValue
            let limit = core.configuration.maxConnections
            if open > limit * 2 + 16 {
                // Far past the cap: no 503, just drop, so rejections cannot pile up themselves.
                close(fd)
                core.connectionCount.subtract(1, ordering: .relaxed)
                continue
            }
            let loop = peers.isEmpty ? self : peers[nextPeer % peers.count]
            nextPeer &+= 1
            let shed = open > EventLoop.highWater(limit)
            if loop === self {
                if shed { shedIdleConnection() }
                adopt(fd: fd, overCapacity: open > limit, now: now)
            } else {
                if shed { loop.deliver(.shedIdle) }
                loop.deliver(.adopt(fd: fd, overCapacity: open > limit))
            }
        }
    }

    /// Out of descriptors (EMFILE/ENFILE) or another accept failure: a level-triggered
    /// listener would spin, so stop watching it until the next timer sweep.
    private func pauseAccepting(error: Int32, now: Instant) {
        core.logger.warning("accept failed; pausing accepts", metadata: ["errno": "\(error)"])
        _ = csocket_epoll_ctl(epollFD, 2, listenFD, 0, 0)
        acceptPausedUntil = now.advanced(by: core.configuration.timerResolution)
    }

    private func stopAccepting() {
        guard listenFD >= 0 else { return }
        _ = csocket_epoll_ctl(epollFD, 2, listenFD, 0, 0)
        close(listenFD)
        listenFD = -1
    }

    private func adopt(fd: Int32, overCapacity: Bool, now: Instant) {
        nextConnectionID &+= 1
        let connection = ServerConnection(fd: fd, id: nextConnectionID, loop: self, now: now)
        connections[fd] = connection
        guard csocket_epoll_ctl(epollFD, 1, fd, CSOCKET_EV_IN, UInt64(fd)) == 0 else {
            connection.destroy()
            return
        }
        // Rechecked here: shedding an idle connection on this loop may have made room meanwhile.
        if overCapacity && core.connectionCount.load(ordering: .relaxed) > core.configuration.maxConnections {
            connection.rejectOverCapacity(now: now)
        } else if core.isDraining.load(ordering: .relaxed) {
            connection.startDrain(now: now)
        }
    }

    /// From here on, each new connection closes the longest-idle one of the loop it goes to.
    static func highWater(_ limit: Int) -> Int { limit - max(1, limit / 16) }

    /// Closes the connection that has been idle longest (silent since it opened, or between
    /// keep-alive requests), so idle clients cannot hold every slot. Linear in the loop's
    /// connections; it runs only near the cap.
    private func shedIdleConnection() {
        var oldest: ServerConnection?
        var oldestSince = Instant(nanoseconds: .max)
        for connection in connections.values {
            guard let since = connection.idleSince, since < oldestSince else { continue }
            oldest = connection
            oldestSince = since
        }
        oldest?.destroy()
    }

    /// Called by a connection when it closes its descriptor.
    func forget(_ connection: ServerConnection) {
        if connections[connection.fd] === connection { connections[connection.fd] = nil }
        core.connectionCount.subtract(1, ordering: .relaxed)
    }

    func updateInterest(fd: Int32, events: UInt32) {
        _ = csocket_epoll_ctl(epollFD, 3, fd, events, UInt64(fd))
    }

    /// The current IMF-fixdate, refreshed at most every 100 ms.
    func date(now: Instant) -> [UInt8] {
        if dateBytes.isEmpty || now >= dateRefreshedAt.advanced(by: .milliseconds(100)) {
            var text = [CChar](repeating: 0, count: 30)
            _ = csocket_http_date(&text)
            dateBytes = text.prefix(29).map { UInt8(bitPattern: $0) }
            dateRefreshedAt = now
        }
        return dateBytes
    }
}
