// How the queue state machine cuts batches: requests taking turns (one item each), item cap,
// token budget, oversize items, splitting and mixing requests, and the optional batch delay.
import Testing

@testable import Batching

@Suite struct BatchQueueCuttingTests {
    @Test func anEmptyQueueIsIdle() {
        var queue = makeQueue()
        #expect(queue.nextBatch(now: at(0)).isIdle)
    }

    @Test func takesEverythingQueuedWithRequestsTakingTurnsInArrivalOrder() {
        var queue = makeQueue()
        _ = queue.admit(tags(1, count: 3), tokenCounts: [1, 2, 3], deadline: never, now: at(0))
        _ = queue.admit(tags(2, count: 2), tokenCounts: [4, 5], deadline: never, now: at(1))
        let batch = queue.nextBatch(now: at(2)).batch
        #expect(batch?.items == [tag(1, 0), tag(2, 0), tag(1, 1), tag(2, 1), tag(1, 2)])
        // Token counts and queue waits travel with their items through the interleaving.
        #expect(batch?.tokenCounts == [1, 4, 2, 5, 3])
        #expect(batch?.queueWaits == [2, 1, 2, 1, 2].map { .milliseconds($0) })
        #expect(queue.stats.queuedItems == 0)
    }

    @Test func theItemCapSplitsARequestAcrossBatches() {
        var queue = makeQueue(maxBatchItems: 2)
        _ = queue.admit(tags(1, count: 5), tokenCounts: [1, 1, 1, 1, 1], deadline: never, now: at(0))
        let sizes = (0..<3).map { _ in queue.nextBatch(now: at(0)).batch?.items.count }
        #expect(sizes == [2, 2, 1])
    }

    @Test func theTokenBudgetStopsAtTheFirstItemThatDoesNotFitWithoutSkippingAhead() {
        var queue = makeQueue(maxBatchTokens: 100)
        _ = queue.admit(tags(1, count: 1), tokenCounts: [60], deadline: never, now: at(0))
        _ = queue.admit(tags(2, count: 1), tokenCounts: [50], deadline: never, now: at(0))
        _ = queue.admit(tags(3, count: 1), tokenCounts: [10], deadline: never, now: at(0))
        #expect(queue.nextBatch(now: at(0)).batch?.items == tags(1, count: 1))
        #expect(queue.nextBatch(now: at(0)).batch?.items == tags(2, count: 1) + tags(3, count: 1))
    }

    @Test func aBatchMayUseTheTokenBudgetExactly() {
        var queue = makeQueue(maxBatchTokens: 100)
        _ = queue.admit(tags(1, count: 3), tokenCounts: [50, 50, 1], deadline: never, now: at(0))
        let batch = queue.nextBatch(now: at(0)).batch
        #expect(batch?.items == tags(1, count: 2))
        #expect(batch?.tokenCount == 100)
    }

    @Test func anItemOverTheTokenBudgetRunsAloneInsteadOfStarving() {
        var queue = makeQueue(maxBatchTokens: 100)
        _ = queue.admit(tags(1, count: 1), tokenCounts: [30], deadline: never, now: at(0))
        _ = queue.admit(tags(2, count: 1), tokenCounts: [250], deadline: never, now: at(0))
        _ = queue.admit(tags(3, count: 1), tokenCounts: [10], deadline: never, now: at(0))
        #expect(queue.nextBatch(now: at(0)).batch?.items == tags(1, count: 1))
        let oversize = queue.nextBatch(now: at(0)).batch
        #expect(oversize?.items == tags(2, count: 1))
        #expect(oversize?.tokenCount == 250)
        #expect(queue.nextBatch(now: at(0)).batch?.items == tags(3, count: 1))
    }

    @Test func requestsMixInOneBatchAndOneRequestSpansSeveral() {
        var queue = makeQueue(maxBatchItems: 4)
        _ = queue.admit(tags(1, count: 3), tokenCounts: [1, 1, 1], deadline: never, now: at(0))
        _ = queue.admit(tags(2, count: 3), tokenCounts: [1, 1, 1], deadline: never, now: at(0))
        let first = queue.nextBatch(now: at(0)).batch
        let second = queue.nextBatch(now: at(0)).batch
        #expect(first?.items == [tag(1, 0), tag(2, 0), tag(1, 1), tag(2, 1)])
        #expect(second?.items == [tag(1, 2), tag(2, 2)])
        #expect(first?.id != second?.id)
    }

    // MARK: maxBatchDelay

    @Test func withoutADelayWorkStartsAtOnce() {
        var queue = makeQueue(maxBatchItems: 8)
        _ = queue.admit(tags(1, count: 1), tokenCounts: [1], deadline: never, now: at(0))
        #expect(queue.nextBatch(now: at(0)).batch != nil)
    }

    @Test func aBatchThatIsNotFullWaitsUntilItsOldestItemHasWaitedTheDelay() {
        var queue = makeQueue(maxBatchItems: 4, maxBatchDelay: .milliseconds(10))
        _ = queue.admit(tags(1, count: 1), tokenCounts: [1], deadline: never, now: at(0))
        #expect(queue.nextBatch(now: at(0)).waitsUntil == at(10))
        _ = queue.admit(tags(2, count: 1), tokenCounts: [1], deadline: never, now: at(6))
        #expect(queue.nextBatch(now: at(6)).waitsUntil == at(10))
        #expect(queue.nextBatch(now: at(10)).batch?.items == tags(1, count: 1) + tags(2, count: 1))
    }

    @Test func aFullBatchEndsTheWaitEarly() {
        var queue = makeQueue(maxBatchItems: 4, maxBatchTokens: 100, maxBatchDelay: .milliseconds(10))
        _ = queue.admit(tags(1, count: 1), tokenCounts: [1], deadline: never, now: at(0))
        #expect(queue.nextBatch(now: at(1)).waitsUntil != nil)
        _ = queue.admit(tags(2, count: 3), tokenCounts: [1, 1, 1], deadline: never, now: at(2))
        #expect(queue.nextBatch(now: at(2)).batch?.items.count == 4)
        _ = queue.admit(tags(3, count: 1), tokenCounts: [100], deadline: never, now: at(3))
        #expect(queue.nextBatch(now: at(3)).batch?.tokenCount == 100)
    }

    @Test func expiryDuringAWaitIsReportedWithTheWait() {
        var queue = makeQueue(maxBatchDelay: .milliseconds(10))
        let late = queue.admit(tags(1, count: 1), tokenCounts: [1], deadline: at(3), now: at(0)).id!
        _ = queue.admit(tags(2, count: 1), tokenCounts: [1], deadline: never, now: at(2))
        let decision = queue.nextBatch(now: at(4))
        #expect(decision.expired == [late])
        // The wait is now measured from the oldest item still queued.
        #expect(decision.waitsUntil == at(12))
    }
}
