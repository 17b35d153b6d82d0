// Deadline-aware admission on the queue state machine and through the driver with a manual clock: the
// engine-rate average, the round-robin estimate of a new request's completion, refusal with its
// Retry-After, admission again once the queue drains, and requests fed in parts. No real time.
import Batching
import Dispatch
import TestSupport
import Testing

@testable import Batching

/// A queue whose engine computes one token per 100 ms until told otherwise.
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
    @Test func theEstimateCountsTheRunningBatchTheFirstRoundTheLaterRoundsAndTheLastBatchsTail() throws {
        var queue = estimatingQueue(maxBatchItems: 2)
        // A: ten items of 10 tokens; B: three of 5. A batch of two (A's first, B's first) runs, so both
        // span batches now; then C (four 20-token items) and D (one 7-token item) queue behind them.
        _ = queue.admit(tags(1, count: 10), tokenCounts: Array(repeating: 10, count: 10), deadline: never, now: at(0))
        _ = queue.admit(tags(2, count: 3), tokenCounts: [5, 5, 5], deadline: never, now: at(0))
        let running = try #require(queue.nextBatch(now: at(0)).batch)
        #expect(running.tokenCount == 15)
        #expect(queue.passingShare.share(now: at(0)) == 0)
        _ = queue.admit(tags(3, count: 4), tokenCounts: [20, 20, 20, 20], deadline: never, now: at(0))
        _ = queue.admit(tags(4, count: 1), tokenCounts: [7], deadline: never, now: at(0))
        // A new request of 3 items [10, 10, 10]: the running batch (15); the first round, its own
        // first item and one turn of A, B, C, D (10 + 10 + 5 + 20 + 7); the later rounds, its own
        // other two (20), two more turns of A and B at their mean size, as requests that span batches
        // (20 + 10), and C's next two (40), D having none; then its last batch's tail, a batch of
        // what is queued: 2 items at the queued mean of 187 / 16 tokens (23.4, rounded up).
        let estimate = try #require(queue.completionEstimate(tokenCounts: [10, 10, 10], now: at(0)))
        #expect(estimate.tokens == 15 + 52 + 90 + 24)
        #expect(abs(estimate.seconds - 18.1) < 1e-9)
        // A single item has no later rounds: 15 + (5 + 10 + 5 + 20 + 7) + 24.
        #expect(queue.completionEstimate(tokenCounts: [5], now: at(0))?.tokens == 86)
    }

    @Test func requestsPassingThroughInOneBatchStretchTheLaterRoundsByTheShareTheyTake() throws {
        var queue = estimatingQueue(maxBatchItems: 4)
        // Batch after batch a 10-token single item passes through beside a long request's turns,
        // taking a quarter of each batch's room (4 items of 10 tokens).
        _ = queue.admit(tags(1, count: 90), tokenCounts: Array(repeating: 10, count: 90), deadline: never, now: at(0))
        for round in 0..<25 {
            _ = queue.admit(tags(100 + round, count: 1), tokenCounts: [10], deadline: never, now: at(round * 100))
            let batch = try #require(queue.nextBatch(now: at(round * 100)).batch)
            _ = queue.complete(batch.id, outputs: batch.items.map(\.output))
        }
        #expect(queue.stats.queuedItems == 15)
        let share = queue.passingShare.share(now: at(2400))
        #expect(abs(share - 0.25) < 1e-3)
        // A 5-item request: first round 10 + 10 (its own and the long one's next), later rounds its
        // other 40 and the long one's 4 × 10, divided by 0.75 (107, rounded up), and a tail of 40.
        #expect(queue.completionEstimate(tokenCounts: Array(repeating: 10, count: 5), now: at(2400))?.tokens == 20 + 107 + 40)
        // After a quiet spell sixty times the usual interval between batches, the share has faded.
        #expect(abs(queue.passingShare.share(now: at(2400 + 6000)) - share / 60) < 1e-9)
    }

    @Test func whenPassingRequestsFillEveryBatchALongRequestIsStillCountedOneItemPerBatch() throws {
        var queue = estimatingQueue(maxBatchItems: 4)
        // Four single items arrive before every batch, filling it: the share tends to 1, but stops
        // at 3/4, the long request's one item per batch of four.
        for round in 0..<100 {
            for client in 0..<4 {
                _ = queue.admit(
                    tags(1000 * round + client, count: 1), tokenCounts: [10], deadline: never, now: at(round * 100))
            }
            let batch = try #require(queue.nextBatch(now: at(round * 100)).batch)
            _ = queue.complete(batch.id, outputs: batch.items.map(\.output))
        }
        #expect(abs(queue.passingShare.share(now: at(9900)) - 0.75) < 1e-9)
    }

    @Test func aRequestThatFitsInHalfTheTimeLeftIsAdmittedAndOneThatDoesNotIsRefusedWithTheExcess() {
        var queue = estimatingQueue()
        // 40 tokens queued: 4 s of engine time at 0.1 s per token.
        let first = queue.admit(tags(1, count: 4), tokenCounts: [10, 10, 10, 10], deadline: never, now: at(0))
        #expect(first.id != nil)
        // One item waits for one turn of the first request (10 + 10 tokens) and is cut into a batch
        // with the rest of what is queued (40): 6 s of the 7.5 s allowed (three quarters of a 10 s
        // deadline): admitted.
        let fits = queue.admit(tags(2, count: 1), tokenCounts: [10], deadline: seconds(10), now: at(0))
        #expect(fits.id != nil)
        // Four items [8, 8, 8, 8]: a first round of 8 + 10 + 10, later rounds of its other 24 and the
        // first request's other 30, and a tail of the 50 queued: 13.2 s against 7.5 s allowed; the
        // engine needs 5.7 s more, so retry after 6 s.
        let refused = queue.admit(tags(3, count: 4), tokenCounts: [8, 8, 8, 8], deadline: seconds(10), now: at(0))
        guard case .deadlineUnreachable(let estimated, let left, let retryAfter) = refused.error else {
            Issue.record("expected deadlineUnreachable, got \(refused)")
            return
        }
        #expect(abs(estimated - 13.2) < 1e-9 && left == 10 && retryAfter == 6)
        #expect(queue.stats.pendingRequests == 2 && queue.stats.queuedTokens == 50)
    }

    @Test func theRetryAfterIsAtLeastOneSecondAndAtMostTheTimeLeft() {
        var queue = estimatingQueue()
        _ = queue.admit(tags(1, count: 1), tokenCounts: [38], deadline: never, now: at(0))
        // 38 tokens ahead and 38 in its batch: 7.6 s against 7.5 s allowed, 0.1 s over: wait 1 s.
        let nearly = queue.admit(tags(2, count: 1), tokenCounts: [0], deadline: seconds(10), now: at(0))
        guard case .deadlineUnreachable(_, _, let short) = nearly.error else {
            Issue.record("expected deadlineUnreachable, got \(nearly)")
            return
        }
        #expect(short == 1)
        // About 100 s against a 4 s deadline: 97 s over, but the wait is capped at the 4 s.
        let hopeless = queue.admit(tags(3, count: 1), tokenCounts: [949], deadline: seconds(4), now: at(0))
        guard case .deadlineUnreachable(_, _, let capped) = hopeless.error else {
            Issue.record("expected deadlineUnreachable, got \(hopeless)")
            return
        }
        #expect(capped == 4)
    }

    @Test func theSameRequestIsAdmittedOnceTheQueueAheadOfItHasDrained() throws {
        var queue = estimatingQueue()
        let sixOfTen = Array(repeating: 10, count: 6)
        let sixOfFive = Array(repeating: 5, count: 6)
        _ = queue.admit(tags(1, count: 6), tokenCounts: sixOfTen, deadline: never, now: at(0))
        // 30 own tokens, 60 queued ahead of or beside them: 15 s against the 7.5 s a 10 s deadline allows.
        let tooEarly = queue.admit(tags(2, count: 6), tokenCounts: sixOfFive, deadline: seconds(10), now: at(0))
        #expect(tooEarly.error?.kind == "deadlineUnreachable")
        let batch = try #require(queue.nextBatch(now: at(0)).batch)
        // While that work runs it still counts.
        let whileRunning = queue.admit(tags(2, count: 6), tokenCounts: sixOfFive, deadline: seconds(10), now: at(0))
        #expect(whileRunning.error?.kind == "deadlineUnreachable")
        _ = queue.complete(batch.id, outputs: batch.items.map(\.output))
        // Drained: 3 s of its own.
        let later = queue.admit(tags(2, count: 6), tokenCounts: sixOfFive, deadline: seconds(16), now: seconds(6))
        #expect(later.id != nil)
    }

    @Test func measuredBatchesMoveTheEstimate() throws {
        var queue = estimatingQueue()
        _ = queue.admit(tags(1, count: 2), tokenCounts: [25, 25], deadline: never, now: at(0))
        let batch = try #require(queue.nextBatch(now: at(0)).batch)
        _ = queue.complete(batch.id, outputs: batch.items.map(\.output))
        // The engine turned out ten times faster than the seed: 50 tokens in 0.5 s, batch after batch.
        for _ in 0..<40 { queue.recordEngineTime(tokens: 50, engineTime: .milliseconds(500)) }
        let rate = try #require(queue.engineRate?.secondsPerToken)
        #expect(abs(rate - 0.01) < 1e-4)
        // 300 tokens: over 30 s at the seed's rate, about 3 s now, which a 10 s deadline allows.
        let big = queue.admit(tags(2, count: 3), tokenCounts: [100, 100, 100], deadline: seconds(10), now: at(0))
        #expect(big.id != nil)
    }

    @Test func partsOfARequestAlreadyEstimatedWholeAndQueuesWithoutARateAreNotEstimated() {
        var queue = estimatingQueue()
        let part = queue.admit(
            tags(1, count: 2), tokenCounts: [500, 500], deadline: seconds(10), now: at(0), estimatingDeadline: false)
        #expect(part.id != nil)
        var plain = makeQueue(maxBatchTokens: 1000)
        #expect(plain.completionEstimate(tokenCounts: [1], now: at(0)) == nil)
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
        // A quiet minute: the lone client's requests no longer count as others' load.
        clock.advance(by: .seconds(60))
        // 100 tokens (and its later rounds stretched a little by that faded share) now cost about
        // 9.6 s, against 7.5 s allowed by a 10 s deadline: refused at once, whole, retry after 3 s.
        let big = tags(100, count: 10)
        let tokens = Array(repeating: 10, count: 10)
        let refused = await batcher.outcome(big, tokenCounts: tokens, deadline: clock.now + .seconds(10))
        guard case .failure(.deadlineUnreachable(let estimated, _, let retryAfter)) = refused else {
            Issue.record("expected deadlineUnreachable, got \(refused)")
            return
        }
        #expect(estimated > 9 && estimated < 10 && retryAfter == 3)
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
