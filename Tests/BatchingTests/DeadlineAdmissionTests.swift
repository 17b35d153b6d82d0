// Deadline-aware admission on the queue state machine and through the driver with a manual clock: the
// engine-rate average, booking each request's pace against half the engine, refusal with its
// Retry-After, admission again once bookings end, and requests fed in parts. No real time.
import Batching
import Dispatch
import TestSupport
import Testing

@testable import Batching

/// A queue whose engine computes one token per 100 ms until told otherwise: paces may book 5 tokens per
/// second of it.
private func estimatingQueue(maxBatchItems: Int = 8, maxBatchTokens: Int = 1000) -> TestQueue {
    TestQueue(
        limits: BatchLimits(
            maxBatchItems: maxBatchItems, maxBatchTokens: maxBatchTokens, maxQueuedItems: 100,
            maxQueuedTokens: 10_000, engineSecondsPerToken: 0.1))
}

private func seconds(_ value: Double) -> ContinuousClock.Instant { origin + .milliseconds(Int(value * 1000)) }

@Suite struct EngineRateTests {
    @Test func theAverageMovesAFifthOfTheWayToEachBatchAndConvergesOnASteadyRate() {
        var rate = EngineRate(secondsPerToken: 0.01)
        rate.observe(tokens: 100, engineTime: .seconds(2))  // 0.02 s per token
        #expect(abs(rate.secondsPerToken - 0.012) < 1e-12)
        for _ in 0..<60 { rate.observe(tokens: 50, engineTime: .seconds(1)) }
        #expect(abs(rate.secondsPerToken - 0.02) < 1e-6)
        // A machine that becomes three times faster is followed within a few batches.
        for _ in 0..<10 { rate.observe(tokens: 300, engineTime: .seconds(2)) }
        #expect(rate.secondsPerToken < 0.0085 && rate.secondsPerToken > 0.00666)
    }

    @Test func batchesWithoutTokensOrWithoutMeasuredTimeLeaveTheAverageAlone() {
        var rate = EngineRate(secondsPerToken: 0.01)
        rate.observe(tokens: 0, engineTime: .seconds(5))
        rate.observe(tokens: 100, engineTime: .zero)
        #expect(rate.secondsPerToken == 0.01)
    }

    @Test func aSeedThatIsNotPositiveAndFiniteIsAProblemOfTheLimits() {
        #expect(BatchLimits(engineSecondsPerToken: 0).problems.count == 1)
        #expect(BatchLimits(engineSecondsPerToken: .infinity).problems.count == 1)
        #expect(BatchLimits(engineSecondsPerToken: 0.001).problems.isEmpty)
    }
}

@Suite struct DeadlineAdmissionTests {
    /// The refusal's figures, or nil (recorded as an issue) when the admission was not refused so.
    private func refusal(_ admission: Admission) -> (engine: Double, free: Double, left: Double, retryAfter: Int)? {
        guard case .deadlineUnreachable(let engine, let free, let left, let retryAfter) = admission.error else {
            Issue.record("expected deadlineUnreachable, got \(admission)")
            return nil
        }
        return (engine, free, left, retryAfter)
    }

    @Test func aRequestIsAdmittedWhenItsPaceFitsInWhatTheOthersLeaveOfHalfTheEngine() throws {
        var queue = estimatingQueue()
        // 30 tokens over three quarters of 10 s: 4 tokens per second of the 5 bookable.
        #expect(queue.admit(tags(1, count: 3), tokenCounts: [10, 10, 10], deadline: seconds(10), now: at(0)).id != nil)
        // 8 more would need 8 / 7.5 per second: over by a little. It needs 0.8 s of engine time, and
        // the first leaves 1 token per second for 7.5 s, 0.75 s of it; the first's booking ends at its
        // pace end, 7.5 s from now.
        let refused = try #require(refusal(queue.admit(tags(2, count: 2), tokenCounts: [4, 4], deadline: seconds(10), now: at(0))))
        #expect(abs(refused.engine - 0.8) < 1e-9 && abs(refused.free - 0.75) < 1e-9)
        #expect(refused.left == 10 && refused.retryAfter == 8)
        #expect(queue.stats.pendingRequests == 1 && queue.stats.queuedTokens == 30)
        // 7 fits, and so does a request with a deadline far enough away.
        #expect(queue.admit(tags(3, count: 2), tokenCounts: [3, 4], deadline: seconds(10), now: at(0)).id != nil)
        #expect(queue.admit(tags(4, count: 2), tokenCounts: [4, 4], deadline: seconds(1000), now: at(0)).id != nil)
    }

    @Test func aSingleItemIsAdmittedBeyondTheBookingsWhenItsFirstTurnComesInTime() throws {
        var queue = estimatingQueue()
        _ = queue.admit(tags(1, count: 3), tokenCounts: [10, 10, 10], deadline: seconds(10), now: at(0))
        _ = queue.admit(tags(2, count: 2), tokenCounts: [3, 4], deadline: seconds(10), now: at(0))
        // The bookings leave no room for 8 tokens within 10 s, but as one item it waits for one turn of
        // each queued request (10 + 3) and runs in the half of the batches the turns keep: 4.2 s of the
        // 7.5 s its pace allows.
        #expect(queue.admit(tags(3, count: 1), tokenCounts: [8], deadline: seconds(10), now: at(0)).id != nil)
        // 30 tokens would take (10 + 3 + 8 + 30) tokens at half the engine: 10.2 s, too late.
        let late = try #require(refusal(queue.admit(tags(4, count: 1), tokenCounts: [30], deadline: seconds(10), now: at(0))))
        #expect(abs(late.engine - 3) < 1e-9)
    }

    @Test func theRetryAfterIsAtLeastOneSecondAndAtMostTheTimeLeft() throws {
        var queue = estimatingQueue()
        // One token due within 0.3 s books 3.3 per second until then.
        #expect(queue.admit(tags(1, count: 1), tokenCounts: [1], deadline: seconds(0.4), now: at(0)).id != nil)
        let soon = try #require(refusal(queue.admit(tags(2, count: 3), tokenCounts: [5, 5, 5], deadline: seconds(10), now: at(0))))
        #expect(soon.retryAfter == 1)
        // More than half the engine on its own: not before its deadline, however long it waits.
        let hopeless = try #require(refusal(queue.admit(tags(3, count: 1), tokenCounts: [40], deadline: seconds(4), now: at(0))))
        #expect(hopeless.retryAfter == 4 && hopeless.free > 0)
    }

    @Test func aBookingShrinksAsItsItemsGoToTheEngine() throws {
        var queue = estimatingQueue()
        _ = queue.admit(tags(1, count: 3), tokenCounts: [10, 10, 10], deadline: seconds(10), now: at(0))
        #expect(queue.admit(tags(2, count: 2), tokenCounts: [4, 4], deadline: seconds(10), now: at(0)).error != nil)
        // The batch takes all of the first request's items: it books nothing more, running or not.
        let batch = try #require(queue.nextBatch(now: at(0)).batch)
        #expect(batch.items == tags(1, count: 3))
        #expect(queue.admit(tags(2, count: 2), tokenCounts: [4, 4], deadline: seconds(10), now: at(0)).id != nil)
    }

    @Test func aRequestPastItsPaceEndBooksItsQueuedTokensUntilItsDeadline() throws {
        var queue = estimatingQueue()
        _ = queue.admit(tags(1, count: 4), tokenCounts: [10, 10, 10, 10], deadline: seconds(20), now: at(0))
        // At 16 s, past its 15 s pace end with nothing computed, its 40 tokens must go in the 4 s left:
        // 10 per second, more than half the engine, so even two tokens are refused until its deadline.
        let refused = try #require(
            refusal(queue.admit(tags(2, count: 2), tokenCounts: [1, 1], deadline: seconds(116), now: seconds(16))))
        #expect(refused.free == 0 && refused.retryAfter == 4)
    }

    @Test func measuredBatchesMoveTheBookableRate() throws {
        var queue = estimatingQueue()
        _ = queue.admit(tags(1, count: 2), tokenCounts: [25, 25], deadline: never, now: at(0))
        let batch = try #require(queue.nextBatch(now: at(0)).batch)
        _ = queue.complete(batch.id, outputs: batch.items.map(\.output))
        // The engine turned out ten times faster than the seed: 50 tokens in 0.5 s, batch after batch.
        for _ in 0..<40 { queue.recordEngineTime(tokens: 50, engineTime: .milliseconds(500)) }
        let rate = try #require(queue.engineRate?.secondsPerToken)
        #expect(abs(rate - 0.01) < 1e-4)
        // 300 tokens in 7.5 s: 40 per second, eight times what the seed's rate left bookable, within the
        // 50 of the measured one.
        let big = queue.admit(tags(2, count: 3), tokenCounts: [100, 100, 100], deadline: seconds(10), now: at(0))
        #expect(big.id != nil)
    }

    @Test func partsOfARequestAlreadyEstimatedWholeAndQueuesWithoutARateAreNotEstimated() {
        var queue = estimatingQueue()
        let part = queue.admit(
            tags(1, count: 2), tokenCounts: [500, 500], deadline: seconds(10), now: at(0), checkingDeadline: false)
        #expect(part.id != nil)
        var plain = makeQueue(maxBatchTokens: 1000)
        #expect(plain.deadlineRefusal(tokenCounts: [1_000_000], deadline: seconds(1), now: at(0)) == nil)
        #expect(plain.admit(tags(1, count: 2), tokenCounts: [500, 500], deadline: seconds(1), now: at(0)).id != nil)
    }

    @Test func queueBoundsAreCheckedBeforeTheDeadline() {
        var queue = TestQueue(
            limits: BatchLimits(maxQueuedItems: 2, maxQueuedTokens: 100, engineSecondsPerToken: 10))
        _ = queue.admit(tags(1, count: 2), tokenCounts: [1, 1], deadline: never, now: at(0))
        let full = queue.admit(tags(2, count: 1), tokenCounts: [50], deadline: seconds(1), now: at(0))
        #expect(full.error?.kind == "overloaded")
    }
}

/// The driver with a manual clock: the engine's batches take the time the fake engine moves the clock.
@Suite(.timeLimit(.minutes(1))) struct BatcherDeadlineAdmissionTests {
    @Test func theDriverLearnsTheEngineRateAndRefusesWhatTheDeadlineCannotHold() async throws {
        let clock = ManualClock()
        // Every item is 10 tokens; the engine takes 1 s per item, 0.1 s per token, ten times the seed.
        let batcher = Batcher<Tag, String>(
            limits: BatchLimits(maxBatchItems: 4, maxBatchTokens: 1000, engineSecondsPerToken: 0.01), clock: clock,
            engine: { items in
                clock.advance(by: .seconds(items.count))
                return items.map(\.output)
            })
        // At the seed's rate 20 tokens take 0.2 s: admitted, and its batches teach the driver the real rate.
        for request in 0..<12 {
            let items = tags(request, count: 2)
            let outputs = try await batcher.submit(items, tokenCounts: [10, 10], deadline: clock.now + .seconds(60))
            #expect(outputs == items.map(\.output))
        }
        let rate = try #require(batcher.engineRate?.secondsPerToken)
        #expect(rate > 0.09 && rate < 0.1)
        // 100 tokens within three quarters of 10 s need 13.3 tokens per second, more than the half of
        // the engine's 10 per second that paces may book, however idle it is: refused at once, whole,
        // with the request's 10 s as the Retry-After.
        let big = tags(100, count: 10)
        let tokens = Array(repeating: 10, count: 10)
        let refused = await batcher.outcome(big, tokenCounts: tokens, deadline: clock.now + .seconds(10))
        guard case .failure(.deadlineUnreachable(let needed, _, _, let retryAfter)) = refused else {
            Issue.record("expected deadlineUnreachable, got \(refused)")
            return
        }
        #expect(needed > 9 && needed < 10 && retryAfter == 10)
        do {
            try batcher.checkDeadline(tokenCounts: tokens, deadline: clock.now + .seconds(10))
            Issue.record("the whole-request check admitted what submit refused")
        } catch {
            #expect(error.kind == "deadlineUnreachable")
        }
        // With a 30 s deadline it fits, and the check for a request fed in parts agrees.
        try batcher.checkDeadline(tokenCounts: tokens, deadline: clock.now + .seconds(30))
        let outputs = try await batcher.submit(big, tokenCounts: tokens, deadline: clock.now + .seconds(30))
        #expect(outputs == big.map(\.output))
        await batcher.drain()
    }

    @Test func aDeadlineAlreadyPassedIsReportedAsSuchByTheCheck() {
        let clock = ManualClock()
        let batcher = Batcher<Tag, String>(
            limits: BatchLimits(engineSecondsPerToken: 0.01), clock: clock, engine: { $0.map(\.output) })
        do {
            try batcher.checkDeadline(tokenCounts: [1], deadline: clock.now)
            Issue.record("a passed deadline was not reported")
        } catch {
            #expect(error.kind == "deadlineExceeded")
        }
        batcher.shutdown()
    }
}
