// One connection's HTTP/1.1 semantics with no I/O: keep-alive, pipelining order,
// 100-continue, timeouts and drain. It is fed bytes, answers and the time, and returns
// actions for the event loop to carry out. It never touches a socket or reads a clock.

/// What goes on the wire; the event loop encodes it (`ResponseEncoder`).
enum OutgoingMessage: Hashable, Sendable {
    /// `100 Continue` (RFC 9110 §15.2.1).
    case continueInterim
    case response(HTTPResponse, ResponseFraming)
}

struct ResponseFraming: Hashable, Sendable {
    var version: HTTPVersion
    var keepAlive: Bool
    /// A HEAD request: send the head with the body's Content-Length, not the body.
    var isHead: Bool
}

enum ConnectionAction: Hashable, Sendable {
    /// Run the handler for this request; answer through `responded(to:with:now:)`.
    case dispatch(HTTPRequest, id: UInt64)
    case send(OutgoingMessage)
    /// Close once everything sent so far is written.
    case closeAfterSending
    /// Close now, dropping unsent output and cancelling requests in flight.
    case close
}

struct ConnectionStateMachine {
    struct Slot: Hashable {
        var id: UInt64
        var framing: ResponseFraming
        var response: HTTPResponse?
    }

    private(set) var parser: HTTPParser
    let timeouts: HTTPTimeouts
    let maxPipelined: Int
    /// Requests dispatched or rejected, oldest first; answers leave in this order.
    private(set) var slots: [Slot] = []
    private var nextID: UInt64 = 0
    /// Set once a request asked to close, was rejected, or the drain cut the connection.
    private(set) var stopParsing = false
    private(set) var isDraining = false
    private(set) var isClosing = false
    private var continuePending = false
    private(set) var outputPending = false
    private var writeDeadline: Instant?
    private var readPhase: HTTPParser.Phase = .idle
    private var readPhaseSince: Instant
    private var idleSince: Instant?
    /// When the connection opened, until its first byte arrives: a silent connection gets the
    /// header timeout, not the (longer) keep-alive idle timeout.
    private var silentSince: Instant?

    init(limits: HTTPLimits, timeouts: HTTPTimeouts, maxPipelined: Int, now: Instant) {
        self.parser = HTTPParser(limits: limits)
        self.timeouts = timeouts
        self.maxPipelined = max(1, maxPipelined)
        self.readPhaseSince = now
        self.silentSince = now
    }

    /// Whether the event loop should read from the socket now.
    var wantsToRead: Bool { !isClosing && !stopParsing && slots.count < maxPipelined }

    mutating func received(_ bytes: UnsafeRawBufferPointer, now: Instant) -> [ConnectionAction] {
        guard !isClosing, !stopParsing else { return [] }
        silentSince = nil
        parser.feed(bytes)
        return advance(now: now)
    }

    mutating func responded(to id: UInt64, with response: HTTPResponse, now: Instant) -> [ConnectionAction] {
        guard !isClosing, let position = slots.firstIndex(where: { $0.id == id }) else { return [] }
        slots[position].response = response
        if response.headers.containsToken("close", in: "connection") { slots[position].framing.keepAlive = false }
        return advance(now: now)
    }

    /// Some queued bytes were written; the write timeout restarts.
    mutating func outputProgressed(now: Instant) {
        if outputPending { writeDeadline = now.advanced(by: timeouts.write) }
    }

    /// Everything queued has been written.
    mutating func outputDrained(now: Instant) -> [ConnectionAction] {
        outputPending = false
        writeDeadline = nil
        return advance(now: now)
    }

    /// The peer closed its side (read returned 0). Treated as gone: in-flight work is cancelled.
    mutating func peerClosed(now: Instant) -> [ConnectionAction] {
        guard !isClosing else { return [] }
        isClosing = true
        return [.close]
    }

    /// Server drain: idle connections close now; the last request in flight, or the next one
    /// to arrive, is answered with `Connection: close`.
    mutating func startDrain(now: Instant) -> [ConnectionAction] {
        guard !isClosing else { return [] }
        isDraining = true
        if !slots.isEmpty {
            slots[slots.count - 1].framing.keepAlive = false
            stopParsing = true
        }
        return advance(now: now)
    }

    /// Checks every deadline against `now`.
    mutating func tick(now: Instant) -> [ConnectionAction] {
        guard !isClosing else { return [] }
        if let writeDeadline, now >= writeDeadline {
            isClosing = true
            return [.close]
        }
        if let idleSince, now >= idleSince.advanced(by: timeouts.idle) {
            isClosing = true
            return [.close]
        }
        if let silentSince, now >= silentSince.advanced(by: timeouts.header) {
            isClosing = true
            return [.close]
        }
        guard readTimeoutApplies else { return [] }
        let limit = readPhase == .head ? timeouts.header : timeouts.body
        guard readPhase == .head || readPhase == .body, now >= readPhaseSince.advanced(by: limit) else { return [] }
        reject(.error(.requestTimeout, type: errorType(for: .requestTimeout), message: "request not received in time"))
        return advance(now: now)
    }

    private var readTimeoutApplies: Bool { !stopParsing && slots.count < maxPipelined }
}

extension ConnectionStateMachine {
    /// Parses what can be parsed, sends what is ready in order, and updates the timers.
    private mutating func advance(now: Instant) -> [ConnectionAction] {
        var actions: [ConnectionAction] = []
        repeat {
            parseAvailable(into: &actions)
        } while sendReady(into: &actions) && !isClosing && !stopParsing
        if !isClosing && continuePending && slots.isEmpty {
            continuePending = false
            actions.append(.send(.continueInterim))
            outputPending = true
        }
        for action in actions {
            if case .send = action, writeDeadline == nil { writeDeadline = now.advanced(by: timeouts.write) }
        }
        if !isClosing && isDraining && isQuiet {
            isClosing = true
            actions.append(outputPending ? .closeAfterSending : .close)
        }
        refreshReadTimers(now: now)
        return actions
    }

    private var isQuiet: Bool { slots.isEmpty && parser.phase == .idle && !continuePending }

    private mutating func parseAvailable(into actions: inout [ConnectionAction]) {
        while !isClosing && !stopParsing && slots.count < maxPipelined, let event = parser.next() {
            switch event {
            case .head(let head):
                continuePending = head.expectsContinue
            case .request(let request):
                continuePending = false
                readPhase = .idle  // the next request's header timer starts when it does
                let keepAlive = request.wantsKeepAlive && !isDraining
                let framing = ResponseFraming(
                    version: request.version, keepAlive: keepAlive, isHead: request.method == "HEAD")
                slots.append(Slot(id: nextID, framing: framing, response: nil))
                actions.append(.dispatch(request, id: nextID))
                nextID += 1
                if !keepAlive { stopParsing = true }
            case .error(let error):
                reject(.parseError(error))
            }
        }
    }

    /// Queues a server-generated answer behind any earlier ones, then close.
    private mutating func reject(_ response: HTTPResponse) {
        continuePending = false
        stopParsing = true
        let framing = ResponseFraming(version: .http1_1, keepAlive: false, isHead: false)
        slots.append(Slot(id: nextID, framing: framing, response: response))
        nextID += 1
    }

    /// Sends answers from the front of the line while they are ready. Returns whether any left.
    private mutating func sendReady(into actions: inout [ConnectionAction]) -> Bool {
        var sent = false
        while let first = slots.first, let response = first.response {
            slots.removeFirst()
            sent = true
            actions.append(.send(.response(response, first.framing)))
            outputPending = true
            if !first.framing.keepAlive {
                isClosing = true
                slots.removeAll()
                actions.append(.closeAfterSending)
                break
            }
        }
        return sent
    }

    private mutating func refreshReadTimers(now: Instant) {
        let phase = parser.phase
        if phase != readPhase {
            readPhase = phase
            readPhaseSince = now
        }
        let quiescent = slots.isEmpty && !outputPending && phase == .idle && silentSince == nil
        if !quiescent {
            idleSince = nil
        } else if idleSince == nil {
            idleSince = now
        }
    }
}
