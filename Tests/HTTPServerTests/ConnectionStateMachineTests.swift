// The connection state machine driven by a manual clock: keep-alive, pipelining order,
// 100-continue, every timeout, and drain. No sockets, no sleeps.

import Testing

@testable import HTTPServer

/// A machine plus a hand-moved clock.
private struct Harness {
    var machine: ConnectionStateMachine
    var now = Instant(nanoseconds: 1_000_000_000)

    init(
        timeouts: HTTPTimeouts = testTimeouts, maxPipelined: Int = 8, limits: HTTPLimits = HTTPLimits(),
        screen: @escaping ConnectionStateMachine.HeadScreen = { _ in nil }
    ) {
        machine = ConnectionStateMachine(
            limits: limits, timeouts: timeouts, maxPipelined: maxPipelined, now: now, screen: screen)
    }

    mutating func advance(_ duration: Duration) { now = now.advanced(by: duration) }

    mutating func receive(_ text: String) -> [ConnectionAction] {
        bytes(text).withUnsafeBytes { machine.received($0, now: now) }
    }

    mutating func respond(_ id: UInt64, _ response: HTTPResponse = HTTPResponse(status: .ok)) -> [ConnectionAction] {
        machine.responded(to: id, with: response, now: now)
    }

    mutating func drained() -> [ConnectionAction] { machine.outputDrained(now: now) }
    mutating func tick() -> [ConnectionAction] { machine.tick(now: now) }
}

private let testTimeouts = HTTPTimeouts(header: .seconds(5), body: .seconds(7), idle: .seconds(30), write: .seconds(11))
private let get = "GET / HTTP/1.1\r\nHost: a\r\n\r\n"

private func dispatchedIDs(_ actions: [ConnectionAction]) -> [UInt64] {
    actions.compactMap { if case .dispatch(_, let id) = $0 { id } else { nil } }
}

private func dispatchedTargets(_ actions: [ConnectionAction]) -> [String] {
    actions.compactMap { if case .dispatch(let request, _) = $0 { request.target } else { nil } }
}

private func sent(_ actions: [ConnectionAction]) -> [(HTTPResponse, ResponseFraming)] {
    actions.compactMap { if case .send(.response(let response, let framing)) = $0 { (response, framing) } else { nil } }
}

@Suite struct ConnectionStateMachineTests {
    @Test func keepAliveByDefault() {
        var h = Harness()
        let actions = h.receive(get)
        #expect(dispatchedIDs(actions) == [0])
        let answer = h.respond(0, HTTPResponse(status: .ok, body: bytes("ok")))
        #expect(sent(answer).count == 1)
        #expect(sent(answer).first?.1 == ResponseFraming(version: .http1_1, keepAlive: true, isHead: false))
        #expect(!answer.contains(.closeAfterSending))
        #expect(h.drained().isEmpty)
        #expect(dispatchedIDs(h.receive(get)) == [1])
    }

    @Test func connectionCloseFromClient() {
        var h = Harness()
        _ = h.receive("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        #expect(!h.machine.wantsToRead)
        let answer = h.respond(0)
        #expect(sent(answer).first?.1.keepAlive == false)
        #expect(answer.last == .closeAfterSending)
    }

    @Test func connectionCloseFromHandler() {
        var h = Harness()
        _ = h.receive(get)
        let answer = h.respond(0, HTTPResponse(status: .ok, headers: ["Connection": "close"]))
        #expect(sent(answer).first?.1.keepAlive == false)
        #expect(answer.last == .closeAfterSending)
    }

    @Test func http10ClosesUnlessKeepAliveAsked() {
        var plain = Harness()
        _ = plain.receive("GET / HTTP/1.0\r\n\r\n")
        let closing = plain.respond(0)
        #expect(sent(closing).first?.1 == ResponseFraming(version: .http1_0, keepAlive: false, isHead: false))
        #expect(closing.last == .closeAfterSending)

        var asked = Harness()
        _ = asked.receive("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        let kept = asked.respond(0)
        #expect(sent(kept).first?.1 == ResponseFraming(version: .http1_0, keepAlive: true, isHead: false))
        #expect(!kept.contains(.closeAfterSending))
    }

    @Test func headIsMarked() {
        var h = Harness()
        _ = h.receive("HEAD / HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(sent(h.respond(0)).first?.1.isHead == true)
    }

    @Test func pipelinedAnswersLeaveInRequestOrder() {
        var h = Harness()
        let actions = h.receive(
            "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\nGET /3 HTTP/1.1\r\nHost: a\r\n\r\n")
        #expect(dispatchedTargets(actions) == ["/1", "/2", "/3"])
        let response = { (tag: String) in HTTPResponse(status: .ok, body: bytes(tag)) }
        #expect(sent(h.respond(2, response("3"))).isEmpty)
        #expect(sent(h.respond(0, response("1"))).map(\.0.body) == [bytes("1")])
        #expect(sent(h.respond(1, response("2"))).map(\.0.body) == [bytes("2"), bytes("3")])
    }

    @Test func pipelineDepthIsBounded() {
        var h = Harness(maxPipelined: 2)
        let actions = h.receive(get + get + get)
        #expect(dispatchedIDs(actions) == [0, 1])
        #expect(!h.machine.wantsToRead)
        let next = h.respond(0)
        #expect(dispatchedIDs(next) == [2])
        #expect(h.machine.wantsToRead == false)  // still two in flight
        _ = h.respond(1)
        #expect(h.machine.wantsToRead)
    }

    @Test func errorAfterPipelinedRequestWaitsItsTurn() {
        var h = Harness()
        let actions = h.receive(get + "GET / HTTP/9.9\r\n\r\n")
        #expect(dispatchedIDs(actions) == [0])
        #expect(sent(actions).isEmpty)
        let answer = h.respond(0)
        #expect(sent(answer).map(\.0.status.code) == [200, 505])
        #expect(answer.last == .closeAfterSending)
    }

    @Test func expectContinueIsAnsweredBeforeTheBody() {
        var h = Harness()
        let head = h.receive("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n")
        #expect(head == [.send(.continueInterim)])
        #expect(dispatchedIDs(h.receive("abc")) == [0])
    }

    @Test func expectContinueSkippedWhenBodyAlreadyHere() {
        var h = Harness()
        let actions = h.receive("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc")
        #expect(!actions.contains(.send(.continueInterim)))
        #expect(dispatchedIDs(actions) == [0])
    }

    @Test func expectContinueRejectedRequestGetsFinalStatusAndClose() {
        var h = Harness(limits: HTTPLimits(maxBodyBytes: 10))
        let actions = h.receive("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n")
        #expect(!actions.contains(.send(.continueInterim)))
        #expect(sent(actions).map(\.0.status.code) == [413])
        #expect(actions.last == .closeAfterSending)
    }

    @Test func expectContinueWaitsBehindEarlierAnswers() {
        var h = Harness()
        let actions = h.receive(get + "POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n")
        #expect(!actions.contains(.send(.continueInterim)))
        let answer = h.respond(0)
        #expect(answer.count == 2)
        #expect(answer.last == .send(.continueInterim))
    }

    @Test func headerTimeoutAnswers408AndCloses() {
        var h = Harness()
        _ = h.receive("GET / HTTP/1.1\r\nHo")
        h.advance(.seconds(4))
        #expect(h.tick().isEmpty)
        _ = h.receive("st: a")  // dribbling does not extend the deadline
        h.advance(.seconds(1))
        let actions = h.tick()
        #expect(sent(actions).map(\.0.status.code) == [408])
        #expect(actions.last == .closeAfterSending)
    }

    @Test func bodyTimeoutAnswers408AndCloses() {
        var h = Harness()
        _ = h.receive("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc")
        h.advance(.seconds(6))
        #expect(h.tick().isEmpty)
        h.advance(.seconds(1))
        let actions = h.tick()
        #expect(sent(actions).map(\.0.status.code) == [408])
        #expect(actions.last == .closeAfterSending)
    }

    @Test func idleTimeoutClosesQuietly() {
        var h = Harness()
        _ = h.receive(get)
        _ = h.respond(0)
        _ = h.drained()
        h.advance(.seconds(29))
        #expect(h.tick().isEmpty)
        h.advance(.seconds(1))
        #expect(h.tick() == [.close])
    }

    @Test func newConnectionThatNeverSpeaksGetsTheHeaderTimeout() {
        var h = Harness()
        h.advance(.seconds(4))
        #expect(h.tick().isEmpty)
        h.advance(.seconds(1))
        #expect(h.tick() == [.close])
    }

    @Test func noReadTimeoutWhileHandlerRuns() {
        var h = Harness()
        _ = h.receive(get)
        h.advance(.seconds(600))
        #expect(h.tick().isEmpty)
        #expect(sent(h.respond(0)).count == 1)
    }

    @Test func writeTimeoutDropsAClientThatNeverReads() {
        var h = Harness()
        _ = h.receive(get)
        _ = h.respond(0)
        h.advance(.seconds(10))
        h.machine.outputProgressed(now: h.now)  // some bytes went out: deadline restarts
        h.advance(.seconds(10))
        #expect(h.tick().isEmpty)
        h.advance(.seconds(1))
        #expect(h.tick() == [.close])
    }

    @Test func drainClosesIdleConnectionAtOnce() {
        var h = Harness()
        _ = h.receive(get)
        _ = h.respond(0)
        _ = h.drained()
        #expect(h.machine.startDrain(now: h.now) == [.close])
    }

    @Test func drainLetsInFlightRequestFinishWithConnectionClose() {
        var h = Harness()
        _ = h.receive(get)
        #expect(h.machine.startDrain(now: h.now).isEmpty)
        let answer = h.respond(0)
        #expect(sent(answer).first?.1.keepAlive == false)
        #expect(answer.last == .closeAfterSending)
    }

    @Test func requestArrivingDuringDrainIsAnsweredWithClose() {
        var h = Harness()
        _ = h.receive("GET / HTTP/1.1\r\n")
        #expect(h.machine.startDrain(now: h.now).isEmpty)  // a request is half-way in: let it finish
        #expect(dispatchedIDs(h.receive("Host: a\r\n\r\n")) == [0])
        let answer = h.respond(0)
        #expect(sent(answer).first?.1.keepAlive == false)
        #expect(answer.last == .closeAfterSending)
    }

    @Test func drainWhileResponseIsBeingWrittenClosesAfterIt() {
        var h = Harness()
        _ = h.receive(get)
        _ = h.respond(0)
        #expect(h.machine.startDrain(now: h.now) == [.closeAfterSending])
    }

    @Test func peerCloseWithNothingOwedClosesAtOnce() {
        var h = Harness()
        #expect(h.machine.peerClosed(now: h.now) == [.close])
    }

    @Test func halfClosedClientStillGetsItsAnswerThenTheConnectionCloses() {
        var h = Harness()
        #expect(dispatchedIDs(h.receive(get)) == [0])
        #expect(h.machine.peerClosed(now: h.now).isEmpty)
        #expect(!h.machine.wantsToRead)
        let framing = ResponseFraming(version: .http1_1, keepAlive: false, isHead: false)
        #expect(h.respond(0) == [.send(.response(HTTPResponse(status: .ok), framing)), .closeAfterSending])
    }

    @Test func everyRequestSentBeforeTheHalfCloseIsAnswered() {
        var h = Harness(maxPipelined: 1)
        #expect(dispatchedIDs(h.receive(get + get)) == [0])
        #expect(h.machine.peerClosed(now: h.now).isEmpty)
        let first = h.respond(0)
        #expect(dispatchedIDs(first) == [1])
        #expect(!first.contains(.closeAfterSending))
        #expect(h.respond(1).last == .closeAfterSending)
    }

    @Test func aPartialRequestAtTheHalfCloseIsDropped() {
        var h = Harness()
        #expect(h.receive("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc").isEmpty)
        #expect(h.machine.peerClosed(now: h.now) == [.close])
    }
}

@Suite struct AnswersFromTheHeadTests {
    private static let unauthorized = HTTPResponse(status: .unauthorized)

    @Test func aRejectedUploadGetsNoContinueAndItsBodyIsNeverRead() {
        var h = Harness(screen: { $0.method == "POST" ? Self.unauthorized : nil })
        let actions = h.receive(
            "POST /score HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4194304\r\n\r\n")
        let framing = ResponseFraming(version: .http1_1, keepAlive: false, isHead: false)
        #expect(actions == [.send(.response(Self.unauthorized, framing)), .closeAfterSending])
        #expect(!h.machine.wantsToRead)
    }

    @Test func aRejectedUploadWhoseBodyIsAlreadyHereIsNotDispatchedEither() {
        var h = Harness(screen: { $0.method == "POST" ? Self.unauthorized : nil })
        let actions = h.receive("POST /score HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\n{}" + get)
        #expect(dispatchedIDs(actions).isEmpty)
        #expect(actions.last == .closeAfterSending)
    }

    @Test func anAnswerToABodilessRequestKeepsTheConnection() {
        var h = Harness(screen: { $0.path == "/health" ? HTTPResponse(status: .ok) : nil })
        let actions = h.receive("GET /health?x=1 HTTP/1.1\r\nHost: a\r\n\r\n" + get)
        let framing = ResponseFraming(version: .http1_1, keepAlive: true, isHead: false)
        #expect(actions.contains(.send(.response(HTTPResponse(status: .ok), framing))))
        #expect(dispatchedTargets(actions) == ["/"])
        #expect(!actions.contains(.closeAfterSending))
    }

    @Test func blockedOutputStopsParsingUntilItDrains() {
        var h = Harness()
        #expect(h.machine.setOutputBlocked(true, now: h.now).isEmpty)
        #expect(!h.machine.wantsToRead)
        #expect(h.receive(get).isEmpty)
        #expect(dispatchedIDs(h.machine.setOutputBlocked(false, now: h.now)) == [0])
    }

    @Test func pipelinedAnswersFromTheHeadComeOutAFewAtATime() {
        var h = Harness(maxPipelined: 4, screen: { _ in HTTPResponse(status: .ok) })
        let sends = h.receive(String(repeating: get, count: 100)).filter { if case .send = $0 { true } else { false } }
        #expect(sends.count == 8)
        #expect(h.drained().filter { if case .send = $0 { true } else { false } }.count == 8)
    }

    @Test func anIdleConnectionSaysSinceWhen() {
        var h = Harness(screen: { _ in HTTPResponse(status: .ok) })
        #expect(h.machine.idleSince == h.now)
        h.advance(.seconds(1))
        _ = h.receive("GET / HTTP/1.1\r\nHo")
        #expect(h.machine.idleSince == nil)
        _ = h.receive("st: a\r\n\r\n")
        _ = h.drained()
        #expect(h.machine.idleSince == h.now)
    }
}
