// The I/O half of one connection, confined to its event loop's thread: it moves bytes
// between the socket and the `ConnectionStateMachine`, carries out the machine's actions,
// starts handler tasks, and closes (with a short lingering close after a final response so
// the client reads it instead of a reset).

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
    private var inFlight: [UInt64: RequestCancellation] = [:]
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
        let configuration = loop.core.configuration
        machine = ConnectionStateMachine(
            limits: configuration.limits, timeouts: configuration.timeouts,
            maxPipelined: configuration.maxPipelinedRequests, now: now)
    }

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
        let response = HTTPResponse.error(
            .serviceUnavailable, type: errorType(for: .serviceUnavailable), message: "too many open connections")
        let framing = ResponseFraming(version: .http1_1, keepAlive: false, isHead: false)
        perform([.send(.response(response, framing)), .closeAfterSending], now: now)
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
        updateInterest()
    }

    private func dispatch(_ request: HTTPRequest, id requestID: UInt64) {
        let cancellation = RequestCancellation()
        inFlight[requestID] = cancellation
        let context = RequestContext(cancellation: cancellation, logger: loop.core.logger)
        let handler = loop.core.handler
        let loop = self.loop
        let fd = self.fd
        let connectionID = self.id
        Task {
            let response = await handler.handle(request, context: context)
            guard !context.isCancelled else { return }
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
            updateInterest()
            return
        }
        outputOffset = 0
        output.removeAll(keepingCapacity: output.capacity <= 16 * 1024)
        if closeWhenFlushed { return beginLingeringClose(now: now) }
        if wrote { perform(machine.outputDrained(now: now), now: now) }
    }

    /// RFC 9112 §9.6: shut down writing, then read and discard until the client closes (or a
    /// short deadline passes), so our final response is not destroyed by a reset.
    private func beginLingeringClose(now: Instant) {
        guard lingerDeadline == nil else { return }
        cancelInFlight()
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
        for cancellation in pending.values { cancellation.cancel() }
    }

    func destroy() {
        guard !closed else { return }
        closed = true
        if lingerDeadline != nil { loop.core.lingeringCount.subtract(1, ordering: .relaxed) }
        cancelInFlight()
        close(fd)
        loop.forget(self)
    }
}
