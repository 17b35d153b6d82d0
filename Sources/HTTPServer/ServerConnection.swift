// The I/O half of one connection, confined to its event loop's thread: it moves bytes
// between the socket and the `ConnectionStateMachine`, carries out the machine's actions,
// runs handler tasks (cancelled when the client goes), keeps its share of the memory budget,
// and closes (with a short lingering close after a final response so the client reads it
// instead of a reset).

import CSocket
import Glibc
import Logging

final class ServerConnection {
    let fd: Int32
    let id: UInt64
    private unowned let loop: EventLoop
    private var machine: ConnectionStateMachine
    private var output: [UInt8] = []
    private var outputOffset = 0
    private var interest: UInt32 = CSOCKET_EV_IN
    /// Handler tasks by request, cancelled when the connection goes.
    private var inFlight: [UInt64: Task<Void, Never>] = [:]
    /// The context made when the head of the request now being read was screened.
    private var nextContext: RequestContext?
    /// Budget bytes held for the body now being read, then for each request until it is answered.
    private var bodyReservation = 0
    private var reservations: [UInt64: Int] = [:]
    /// Unsent output bytes counted in the budget.
    private var chargedOutput = 0
    private var closeWhenFlushed = false
    /// Set once the write side is shut down and we only wait for the client's FIN.
    private var lingerDeadline: Instant?
    private var closed = false

    /// How long a lingering close waits for the client to finish sending.
    private static let linger = Duration.seconds(2)

    init(fd: Int32, id: UInt64, loop: EventLoop, now: Instant) {
        self.fd = fd
        self.id = id
        self.loop = loop
        let core = loop.core
        machine = ConnectionStateMachine(
            limits: core.configuration.limits, timeouts: core.configuration.timeouts,
            maxPipelined: core.configuration.maxPipelinedRequests, now: now,
            formatError: { [handler = core.handler] in handler.serverError($0, message: $1) })
        machine.screen = { [unowned self] head in self.screen(head) }
    }

    /// Since when this connection has had nothing to do (open and silent, or idle between
    /// keep-alive requests); nil when busy. The loop closes the longest-idle ones near the cap.
    var idleSince: Instant? { lingerDeadline == nil ? machine.idleSince : nil }

    func readable(now: Instant) {
        let count = csocket_recv(fd, loop.readBuffer.baseAddress, loop.readBuffer.count)
        if count > 0 {
            if lingerDeadline != nil { return }  // discarding until the client's FIN
            perform(machine.received(UnsafeRawBufferPointer(rebasing: loop.readBuffer[..<count]), now: now), now: now)
        } else if count == 0 {
            if lingerDeadline != nil { return destroy() }
            perform(machine.peerClosed(now: now), now: now)
        } else if errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
            destroy()
        }
    }

    func writable(now: Instant) { flush(now: now) }

    func responded(to request: UInt64, with response: HTTPResponse, now: Instant) {
        inFlight[request] = nil
        loop.core.budget.release(reservations.removeValue(forKey: request) ?? 0)
        perform(machine.responded(to: request, with: response, now: now), now: now)
    }

    func startDrain(now: Instant) {
        guard lingerDeadline == nil else { return }
        perform(machine.startDrain(now: now), now: now)
    }

    func tick(now: Instant) {
        if let lingerDeadline {
            if now >= lingerDeadline { destroy() }
            return
        }
        perform(machine.tick(now: now), now: now)
    }

    /// Past the connection cap: answer 503 without reading a request, then close.
    func rejectOverCapacity(now: Instant) {
        let response = loop.core.handler.serverError(.serviceUnavailable, message: "too many open connections")
        let framing = ResponseFraming(version: .http1_1, keepAlive: false, isHead: false)
        perform([.send(.response(response, framing)), .closeAfterSending], now: now)
    }

    /// The handler's answer from the head, else the memory budget's verdict on the body it announces.
    private func screen(_ head: HTTPRequestHead) -> HTTPResponse? {
        let core = loop.core
        let context = RequestContext.arriving(with: head.headers, logger: core.logger)
        if let answer = core.handler.answerFromHead(head, context: context) {
            return context.stamped(answer)
        }
        let announced: Int
        switch head.framing {
        case .none: announced = 0
        case .contentLength(let length): announced = length
        case .chunked: announced = core.configuration.limits.maxBodyBytes  // its size is unknown until the end
        }
        guard core.budget.reserve(announced) else {
            var busy = core.handler.serverError(
                .serviceUnavailable, message: "the server holds too many request bodies right now; retry later")
            if busy.headers["retry-after"] == nil { busy.headers.add(name: "Retry-After", value: "1") }
            return context.stamped(busy)
        }
        bodyReservation = announced
        nextContext = context
        return nil
    }

    private func perform(_ actions: [ConnectionAction], now: Instant) {
        guard !closed else { return }
        for action in actions {
            switch action {
            case .dispatch(let request, let requestID): dispatch(request, id: requestID)
            case .send(let message): loop.core.encoder.encode(message, date: loop.date(now: now), into: &output)
            case .closeAfterSending: closeWhenFlushed = true
            case .close: return destroy()
            }
        }
        if outputOffset < output.count { flush(now: now) }
        guard !closed else { return }
        chargeOutput()
        applyBackpressure(now: now)
        updateInterest()
    }

    private func dispatch(_ request: HTTPRequest, id requestID: UInt64) {
        let context = nextContext ?? RequestContext.arriving(with: request.headers, logger: loop.core.logger)
        nextContext = nil
        reservations[requestID] = bodyReservation
        bodyReservation = 0
        let handler = loop.core.handler
        let loop = self.loop
        let fd = self.fd
        let connectionID = self.id
        loop.core.handlersRunning.add(1, ordering: .relaxed)
        inFlight[requestID] = Task(executorPreference: loop.core.handlers) {
            defer { loop.core.handlersRunning.subtract(1, ordering: .relaxed) }
            let response = context.stamped(await handler.handle(request, context: context))
            guard !Task.isCancelled else { return }
            loop.deliver(.response(fd: fd, connection: connectionID, request: requestID, response))
        }
    }

    private func flush(now: Instant) {
        var wrote = false
        while outputOffset < output.count {
            let sent = output.withUnsafeBytes { bytes in
                csocket_send(fd, bytes.baseAddress.map { $0 + outputOffset }, bytes.count - outputOffset)
            }
            if sent > 0 {
                outputOffset += sent
                wrote = true
            } else if sent < 0 && errno == EINTR {
                continue
            } else if sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                break
            } else {
                return destroy()
            }
        }
        if outputOffset < output.count {
            if wrote { machine.outputProgressed(now: now) }
            chargeOutput()
            applyBackpressure(now: now)
            updateInterest()
            return
        }
        outputOffset = 0
        output.removeAll(keepingCapacity: output.capacity <= 16 * 1024)
        chargeOutput()
        if closeWhenFlushed { return beginLingeringClose(now: now) }
        if wrote { perform(machine.outputDrained(now: now), now: now) }
    }

    /// Keeps the budget's count of this connection's unsent bytes current.
    private func chargeOutput() {
        let unsent = output.count - outputOffset
        loop.core.budget.charge(unsent - chargedOutput)
        chargedOutput = unsent
    }

    /// Stops parsing (and reading) while this connection's unsent output is over its bound, or
    /// while the shared budget is spent and it has output of its own still to write.
    private func applyBackpressure(now: Instant) {
        let unsent = output.count - outputOffset
        let core = loop.core
        let blocked = unsent > core.configuration.maxUnsentBytesPerConnection || (unsent > 0 && core.budget.isSpent)
        let actions = machine.setOutputBlocked(blocked, now: now)
        if !actions.isEmpty { perform(actions, now: now) }
    }

    /// RFC 9112 §9.6: shut down writing, then read and discard until the client closes (or a
    /// short deadline passes), so our final response is not destroyed by a reset.
    private func beginLingeringClose(now: Instant) {
        guard lingerDeadline == nil else { return }
        cancelInFlight()
        releaseReservations()
        shutdown(fd, Int32(SHUT_WR))
        lingerDeadline = now.advanced(by: ServerConnection.linger)
        loop.core.lingeringCount.add(1, ordering: .relaxed)
        updateInterest()
    }

    private func updateInterest() {
        guard !closed else { return }
        var wanted: UInt32 = 0
        if lingerDeadline != nil || machine.wantsToRead { wanted |= CSOCKET_EV_IN }
        if outputOffset < output.count { wanted |= CSOCKET_EV_OUT }
        if wanted != interest {
            interest = wanted
            loop.updateInterest(fd: fd, events: wanted)
        }
    }

    private func cancelInFlight() {
        let pending = inFlight
        inFlight = [:]
        for task in pending.values { task.cancel() }
    }

    private func releaseReservations() {
        let held = bodyReservation + reservations.values.reduce(0, +)
        bodyReservation = 0
        reservations = [:]
        loop.core.budget.release(held)
    }

    func destroy() {
        guard !closed else { return }
        closed = true
        if lingerDeadline != nil { loop.core.lingeringCount.subtract(1, ordering: .relaxed) }
        cancelInFlight()
        releaseReservations()
        loop.core.budget.release(chargedOutput)
        chargedOutput = 0
        close(fd)
        loop.forget(self)
    }
}
