// How the queue state machine cuts batches: requests taking turns (one item each, the rotation
// carrying over between batches), item cap, token budget, oversize items, splitting and mixing
// requests, expired work kept out, and the optional batch delay.
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

    @Test func anOversizeItemInTheRotationRunsAloneWhenItsTurnOpensABatch() {
        var queue = makeQueue(maxBatchTokens: 100)
        _ = queue.admit(tags(1, count: 3), tokenCounts: [30, 250, 30], deadline: never, now: at(0))
        _ = queue.admit(tags(2, count: 3), tokenCounts: [10, 10, 10], deadline: never, now: at(0))
        #expect(queue.nextBatch(now: at(0)).batch?.items == [tag(1, 0), tag(2, 0)])
        // Its turn did not fit, so it kept the head and opens the next batch, with nothing after it.
        let oversize = queue.nextBatch(now: at(0)).batch
        #expect(oversize?.items == [tag(1, 1)])
        #expect(oversize?.tokenCount == 250)
        #expect(queue.nextBatch(now: at(0)).batch?.items == [tag(2, 1), tag(1, 2), tag(2, 2)])
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

    // MARK: Sharing batches between requests

    /// The defect this scheme fixes: 64 items of 512 tokens take about a minute of bert-base engine
    /// time, and a 2-token request sent just after them used to wait for all of it and miss its
    /// deadline. Now it runs in the first batch cut after it arrives, or the second when the item cap
    /// is 1 and the large request holds the head.
    @Test(arguments: [(32, 0), (1, 1)])
    func aSmallRequestBehindALargeOneRunsInOneOfTheNextTwoBatches(maxBatchItems: Int, expectedBatch: Int) {
        var queue = makeQueue(maxBatchItems: maxBatchItems, maxBatchTokens: 4096, maxQueuedTokens: 40_000)
        _ = queue.admit(tags(1, count: 64), tokenCounts: Array(repeating: 512, count: 64), deadline: never, now: at(0))
        let running = queue.nextBatch(now: at(0)).batch!
        #expect(running.items == Array(tags(1, count: 64).prefix(min(8, maxBatchItems))))
        let small = queue.admit(tags(2, count: 1), tokenCounts: [2], deadline: at(30_000), now: at(1)).id!
        _ = queue.complete(running.id, outputs: running.items.map(\.output))
        var cutSinceArrival: [Batch<Tag>] = []
        var smallDone: [CompletedRequest<String>] = []
        for _ in 0..<2 {
            let batch = queue.nextBatch(now: at(2)).batch!
            cutSinceArrival.append(batch)
            smallDone += queue.complete(batch.id, outputs: batch.items.map(\.output)).filter { $0.id == small }
        }
        #expect(cutSinceArrival.firstIndex { $0.items.contains(tag(2, 0)) } == expectedBatch)
        #expect(smallDone.map(\.outputs) == [["scored 2.0"]])
        // The large request is far from done: the small one really went ahead of it.
        #expect(queue.stats.queuedItems > 40)
    }

    @Test func threeRequestsTakeTurnsAndTheRotationCarriesOverBetweenBatches() {
        var queue = makeQueue(maxBatchItems: 2)
        for request in 1...3 {
            _ = queue.admit(tags(request, count: 3), tokenCounts: [1, 1, 1], deadline: never, now: at(request))
        }
        let batches = (0..<6).map { _ in queue.nextBatch(now: at(5)).batch?.items }
        #expect(
            batches == [
                [tag(1, 0), tag(2, 0)], [tag(3, 0), tag(1, 1)], [tag(2, 1), tag(3, 1)], [tag(1, 2), tag(2, 2)],
                [tag(3, 2)], nil,
            ])
    }

    @Test func aNewcomerJoinsTheRotationBehindEveryRequestAlreadyWaiting() {
        var queue = makeQueue(maxBatchItems: 2)
        _ = queue.admit(tags(1, count: 4), tokenCounts: [1, 1, 1, 1], deadline: never, now: at(0))
        _ = queue.admit(tags(2, count: 4), tokenCounts: [1, 1, 1, 1], deadline: never, now: at(0))
        _ = queue.admit(tags(3, count: 4), tokenCounts: [1, 1, 1, 1], deadline: never, now: at(0))
        #expect(queue.nextBatch(now: at(0)).batch?.items == [tag(1, 0), tag(2, 0)])
        _ = queue.admit(tags(4, count: 1), tokenCounts: [1], deadline: never, now: at(1))
        // Request 3 has waited longer than 4 and still gets its turn first; 4 then waits for no more
        // than one item of each request ahead of it.
        #expect(queue.nextBatch(now: at(1)).batch?.items == [tag(3, 0), tag(1, 1)])
        #expect(queue.nextBatch(now: at(1)).batch?.items == [tag(2, 1), tag(4, 0)])
    }

    @Test func turnsShareTheTokenBudget() {
        var queue = makeQueue(maxBatchTokens: 100)
        _ = queue.admit(tags(1, count: 3), tokenCounts: [40, 40, 40], deadline: never, now: at(0))
        _ = queue.admit(tags(2, count: 2), tokenCounts: [10, 10], deadline: never, now: at(0))
        let first = queue.nextBatch(now: at(0)).batch
        #expect(first?.items == [tag(1, 0), tag(2, 0), tag(1, 1), tag(2, 1)])
        #expect(first?.tokenCount == 100)
        #expect(queue.nextBatch(now: at(0)).batch?.items == [tag(1, 2)])
    }

    @Test func noItemOfAnExpiredRequestIsInABatchCutAfterItsDeadline() {
        var queue = makeQueue(maxBatchItems: 2)
        let late = queue.admit(tags(1, count: 4), tokenCounts: [1, 1, 1, 1], deadline: at(50), now: at(0)).id!
        _ = queue.admit(tags(2, count: 4), tokenCounts: [1, 1, 1, 1], deadline: never, now: at(0))
        let first = queue.nextBatch(now: at(0)).batch!
        #expect(first.items == [tag(1, 0), tag(2, 0)])
        #expect(queue.complete(first.id, outputs: first.items.map(\.output)).isEmpty)
        // Request 1 still has three items queued and would have the next turn, but its deadline is due.
        let atDeadline = queue.nextBatch(now: at(50))
        #expect(atDeadline.expired == [late])
        #expect(atDeadline.batch?.items == [tag(2, 1), tag(2, 2)])
        _ = queue.complete(atDeadline.batch!.id, outputs: ["b", "c"])
        #expect(queue.nextBatch(now: at(60)).batch?.items == [tag(2, 3)])
        #expect(queue.nextBatch(now: at(60)).isIdle)
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

    @Test func theDelayCountsFromTheOldestQueuedItemNotTheHeadOfTheRotation() {
        var queue = makeQueue(maxBatchItems: 8, maxBatchTokens: 100, maxBatchDelay: .milliseconds(10))
        _ = queue.admit(tags(1, count: 2), tokenCounts: [60, 1], deadline: never, now: at(0))
        _ = queue.admit(tags(2, count: 1), tokenCounts: [50], deadline: never, now: at(1))
        // The queue holds a full budget, so this runs at once; request 2's item does not fit after 1.0.
        #expect(queue.nextBatch(now: at(1)).batch?.items == [tag(1, 0)])
        // Request 2 now heads the rotation, but item 1.1 has been queued since 0.
        #expect(queue.nextBatch(now: at(5)).waitsUntil == at(10))
        #expect(queue.nextBatch(now: at(10)).batch?.items == [tag(2, 0), tag(1, 1)])
    }
}
