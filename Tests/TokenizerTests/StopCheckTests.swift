import Testing

@testable import Tokenizer

@Suite struct StopCheckTests {
    struct Stopped: Error, Equatable {}

    /// A check that counts its polls and throws at poll number `stopAt`.
    final class Poller {
        var polls = 0
        let stopAt: Int

        init(stopAt: Int = .max) { self.stopAt = stopAt }

        func check() -> StopCheck<Stopped> {
            StopCheck { () throws(Stopped) in
                self.polls += 1
                if self.polls >= self.stopAt { throw Stopped() }
            }
        }
    }

    @Test func pollsOncePerIntervalOfWork() throws {
        let poller = Poller()
        var check = poller.check()
        for _ in 0..<(StopCheck<Stopped>.interval - 1) { try check.record() }
        #expect(poller.polls == 0)
        try check.record()
        #expect(poller.polls == 1)
        try check.record(3 * StopCheck<Stopped>.interval)
        #expect(poller.polls == 2)
    }

    @Test func pollingNowStartsANewInterval() throws {
        let poller = Poller()
        var check = poller.check()
        try check.record(StopCheck<Stopped>.interval - 1)
        try check.pollNow()
        #expect(poller.polls == 1)
        try check.record(StopCheck<Stopped>.interval - 1)
        #expect(poller.polls == 1)
    }

    @Test func throwsWhatThePollThrows() {
        let poller = Poller(stopAt: 2)
        var check = poller.check()
        #expect(throws: Never.self) { try check.record(StopCheck<Stopped>.interval) }
        #expect(throws: Stopped()) { try check.record(StopCheck<Stopped>.interval) }
        #expect(poller.polls == 2)
    }

    @Test func neverNeedsNoTry() {
        var check = StopCheck<Never>.never
        for _ in 0..<(3 * StopCheck<Never>.interval) { check.record() }
        check.pollNow()
    }
}
