// One connection's HTTP/1.1 semantics with no I/O: keep-alive, pipelining order, answers
// decided from the head (before 100-continue and the body), backpressure, half-close, timeouts
// and drain. It is fed bytes, answers and the time, and returns actions for the event loop to
// carry out. It never touches a socket or reads a clock.

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
    /// Decides from a request's head whether it is answered at once (without reading its body).
    typealias HeadScreen = (HTTPRequestHead) -> HTTPResponse?
    /// Builds the response for an error the server detects itself.
    typealias ErrorFormatter = (HTTPStatus, String) -> HTTPResponse

    struct Slot: Hashable {
        var id: UInt64
        var framing: ResponseFraming
        var response: HTTPResponse?
    }

    private(set) var parser: HTTPParser
    let timeouts: HTTPTimeouts
    let maxPipelined: Int
    /// Set by the connection after init (the screen calls back into it).
    var screen: HeadScreen
    private let formatError: ErrorFormatter
    /// The answer decided from the current request's head, when it has no body to wait for.
    private var answeredFromHead: HTTPResponse?
    /// Set while the connection holds too much unsent output: nothing new is parsed or read.
    private(set) var outputBlocked = false
    /// The client shut down its sending side: what it sent is answered, then the connection closes.
    private(set) var inputEnded = false
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
    private var keepAliveIdleSince: Instant?
    /// When the connection opened, until its first byte arrives: a silent connection gets the
    /// header timeout, not the (longer) keep-alive idle timeout.
    private var silentSince: Instant?

    init(
        limits: HTTPLimits, timeouts: HTTPTimeouts, maxPipelined: Int, now: Instant,
        screen: @escaping HeadScreen = { _ in nil }, formatError: @escaping ErrorFormatter = plainError
    ) {
        self.parser = HTTPParser(limits: limits)
        self.timeouts = timeouts
        self.maxPipelined = max(1, maxPipelined)
        self.screen = screen
        self.formatError = formatError
        self.readPhaseSince = now
        self.silentSince = now
    }

    /// Whether the event loop should read from the socket now.
    var wantsToRead: Bool { mayParse && !inputEnded }

    private var mayParse: Bool { !isClosing && !stopParsing && !outputBlocked && slots.count < maxPipelined }

    /// Since when the connection has had nothing to do (open and silent, or between keep-alive
    /// requests): such a connection may be closed to make room for new clients. Nil when busy.
    var idleSince: Instant? { isClosing ? nil : (silentSince ?? keepAliveIdleSince) }

    mutating func received(_ bytes: UnsafeRawBufferPointer, now: Instant) -> [ConnectionAction] {
        guard !isClosing, !stopParsing, !inputEnded else { return [] }
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

    /// The peer shut down its sending side (read returned 0). Like nginx and HAProxy, requests it
    /// sent in full are still answered (the last with `Connection: close`); a partial one is
    /// dropped. A peer that is really gone shows when a write fails.
    mutating func peerClosed(now: Instant) -> [ConnectionAction] {
        guard !isClosing, !inputEnded else { return [] }
        inputEnded = true
        return advance(now: now)
    }

    /// The connection's unsent output crossed the bound (or fell back under it). While blocked,
    /// nothing new is parsed, so a client that sends without reading cannot grow the output.
    mutating func setOutputBlocked(_ blocked: Bool, now: Instant) -> [ConnectionAction] {
        guard blocked != outputBlocked else { return [] }
        outputBlocked = blocked
        return blocked ? [] : advance(now: now)
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
        if let keepAliveIdleSince, now >= keepAliveIdleSince.advanced(by: timeouts.idle) {
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
        reject(formatError(.requestTimeout, "request not received in time"))
        return advance(now: now)
    }

    private var readTimeoutApplies: Bool { !stopParsing && !inputEnded && slots.count < maxPipelined }
}

extension ConnectionStateMachine {
    /// Parses what can be parsed, sends what is ready in order, and updates the timers.
    private mutating func advance(now: Instant) -> [ConnectionAction] {
        var actions: [ConnectionAction] = []
        // Two rounds at most: answers decided from heads (probes) could otherwise turn a whole
        // buffer of pipelined requests into output at once; the rest waits until that is written.
        var rounds = 0
        repeat {
            parseAvailable(into: &actions)
            rounds += 1
        } while sendReady(into: &actions) && !isClosing && !stopParsing && rounds < 2
        if !isClosing && inputEnded { finishAfterInputEnded(into: &actions) }
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
        while mayParse, let event = parser.next() {
            switch event {
            case .head(let head):
                screenHead(head)
            case .request(let request):
                continuePending = false
                readPhase = .idle  // the next request's header timer starts when it does
                let keepAlive = request.wantsKeepAlive && !isDraining
                let framing = ResponseFraming(
                    version: request.version, keepAlive: keepAlive, isHead: request.method == "HEAD")
                slots.append(Slot(id: nextID, framing: framing, response: answeredFromHead))
                if answeredFromHead == nil { actions.append(.dispatch(request, id: nextID)) }
                answeredFromHead = nil
                nextID += 1
                if !keepAlive { stopParsing = true }
            case .error(let error):
                reject(formatError(error.status, error.message))
            }
        }
    }

    /// A head answered at once: without a body the request completes at once and keeps the
    /// connection; with one, the body is never read (no 100 Continue) and the connection closes.
    private mutating func screenHead(_ head: HTTPRequestHead) {
        guard let answer = screen(head) else {
            continuePending = head.expectsContinue
            return
        }
        if head.announcesBody {
            reject(answer, version: head.version, isHead: head.method == "HEAD")
        } else {
            answeredFromHead = answer
        }
    }

    /// Input ended: once every request that arrived whole is parsed, the last answer closes the
    /// connection (or it closes now when nothing is owed).
    private mutating func finishAfterInputEnded(into actions: inout [ConnectionAction]) {
        // Still allowed to parse after `parseAvailable` means the parser holds no whole request;
        // blocked output or full pipelining means some may still wait in its buffer.
        guard mayParse || stopParsing else { return }
        continuePending = false
        if slots.isEmpty {
            isClosing = true
            actions.append(outputPending ? .closeAfterSending : .close)
        } else {
            slots[slots.count - 1].framing.keepAlive = false
            stopParsing = true
        }
    }

    /// Queues a server-generated answer behind any earlier ones, then close.
    private mutating func reject(_ response: HTTPResponse, version: HTTPVersion = .http1_1, isHead: Bool = false) {
        continuePending = false
        stopParsing = true
        let framing = ResponseFraming(version: version, keepAlive: false, isHead: isHead)
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
            keepAliveIdleSince = nil
        } else if keepAliveIdleSince == nil {
            keepAliveIdleSince = now
        }
    }
}

/// The error body for a machine built without the product's formatter (tests, tools).
func plainError(_ status: HTTPStatus, _ message: String) -> HTTPResponse {
    HTTPResponse(status: status, headers: ["Content-Type": "text/plain; charset=utf-8"], body: Array(message.utf8))
}
