// Admission, cancellation, expiry, shutdown and stats of the queue state machine, driven with
// explicit instants: no clock, no threads, no sleeps.
import Testing

@testable import Batching

@Suite struct BatchQueueTests {
    // MARK: Admission

    @Test func admissionCountsItemsAndTokensAndAssignsIncreasingIDs() {
        var queue = makeQueue()
        let first = queue.admit(tags(1, count: 2), tokenCounts: [10, 20], deadline: never, now: at(0)).id
        let second = queue.admit(tags(2, count: 1), tokenCounts: [5], deadline: never, now: at(1)).id
        #expect(first != nil && second != nil)
        #expect(first! < second!)
        #expect(queue.stats.queuedItems == 3)
        #expect(queue.stats.queuedTokens == 35)
        #expect(queue.stats.pendingRequests == 2)
    }

    @Test func overItemBoundIsOverloadedAndLeavesTheQueueAlone() {
        var queue = makeQueue(maxQueuedItems: 4)
        #expect(queue.admit(tags(1, count: 3), tokenCounts: [1, 1, 1], deadline: never, now: at(0)).id != nil)
        let before = queue.stats
        #expect(
            queue.admit(tags(2, count: 2), tokenCounts: [1, 1], deadline: never, now: at(0)).error?.kind == "overloaded"
        )
        #expect(queue.stats == before)
        // Exactly filling the bound is fine: rejection was all-or-nothing, not a partial admit.
        #expect(queue.admit(tags(3, count: 1), tokenCounts: [1], deadline: never, now: at(0)).id != nil)
        #expect(queue.nextBatch(now: at(0)).batch?.items == [tag(1, 0), tag(3, 0), tag(1, 1), tag(1, 2)])
    }

    @Test func overTokenBoundIsOverloaded() {
        var queue = makeQueue(maxQueuedTokens: 100)
        #expect(queue.admit(tags(1, count: 1), tokenCounts: [70], deadline: never, now: at(0)).id != nil)
        #expect(
            queue.admit(tags(2, count: 1), tokenCounts: [31], deadline: never, now: at(0)).error?.kind == "overloaded")
        #expect(queue.admit(tags(3, count: 1), tokenCounts: [30], deadline: never, now: at(0)).id != nil)
    }

    @Test func roomFreesOnceItemsAreHandedToTheEngine() {
        var queue = makeQueue(maxBatchItems: 2, maxQueuedItems: 2)
        #expect(queue.admit(tags(1, count: 2), tokenCounts: [1, 1], deadline: never, now: at(0)).id != nil)
        #expect(
            queue.admit(tags(2, count: 1), tokenCounts: [1], deadline: never, now: at(0)).error?.kind == "overloaded")
        _ = queue.nextBatch(now: at(0))
        #expect(queue.admit(tags(2, count: 2), tokenCounts: [1, 1], deadline: never, now: at(0)).id != nil)
    }

    @Test func aRequestBiggerThanTheBoundsIsTooLargeEvenWhenTheQueueIsEmpty() {
        var queue = makeQueue(maxQueuedItems: 4, maxQueuedTokens: 100)
        let tooMany = queue.admit(tags(1, count: 5), tokenCounts: [1, 1, 1, 1, 1], deadline: never, now: at(0))
        guard case .requestTooLarge(let items, let tokens) = tooMany.error else {
            Issue.record("expected requestTooLarge, got \(tooMany)")
            return
        }
        #expect(items == 5 && tokens == 5)
        #expect(
            queue.admit(tags(2, count: 1), tokenCounts: [101], deadline: never, now: at(0)).error?.kind
                == "requestTooLarge")
        #expect(queue.admit(tags(3, count: 4), tokenCounts: [25, 25, 25, 25], deadline: never, now: at(0)).id != nil)
    }

    @Test(arguments: [
        ([Tag](), [Int]()),
        (tags(1, count: 2), [1]),
        (tags(1, count: 1), [-1]),
    ])
    func malformedSubmissionsAreInvalid(items: [Tag], tokenCounts: [Int]) {
        var queue = makeQueue()
        #expect(
            queue.admit(items, tokenCounts: tokenCounts, deadline: never, now: at(0)).error?.kind == "invalidRequest")
        #expect(queue.stats == BatchQueueStats())
    }

    @Test func aDeadlineAlreadyPassedIsRejectedNotQueued() {
        var queue = makeQueue()
        #expect(
            queue.admit(tags(1, count: 1), tokenCounts: [1], deadline: at(5), now: at(5)).error?.kind
                == "deadlineExceeded")
        #expect(queue.stats.pendingRequests == 0)
    }

    // MARK: Deadlines

    @Test func expiredRequestsAreDroppedBeforeComputeAndReportedOnce() {
        var queue = makeQueue()
        let late = queue.admit(tags(1, count: 2), tokenCounts: [1, 1], deadline: at(50), now: at(0)).id
        let onTime = queue.admit(tags(2, count: 1), tokenCounts: [1], deadline: at(500), now: at(0)).id
        #expect(queue.nextDeadline == at(50))
        #expect(queue.expire(now: at(49)).isEmpty)
        let decision = queue.nextBatch(now: at(50))
        #expect(decision.expired == [late!])
        #expect(decision.batch?.items == tags(2, count: 1))
        #expect(queue.expire(now: at(60)).isEmpty)
        #expect(queue.nextBatch(now: at(70)).expired.isEmpty)
        #expect(queue.cancel(late!) == .notPending)
        #expect(queue.nextDeadline == at(500))
        _ = onTime
    }

    @Test func expireReportsInDeadlineOrder() {
        var queue = makeQueue()
        let second = queue.admit(tags(1, count: 1), tokenCounts: [1], deadline: at(30), now: at(0)).id!
        let first = queue.admit(tags(2, count: 1), tokenCounts: [1], deadline: at(20), now: at(0)).id!
        #expect(queue.expire(now: at(40)) == [first, second])
        #expect(queue.stats == BatchQueueStats())
        #expect(queue.nextBatch(now: at(40)).isIdle)
    }

    @Test func aRequestExpiringWhileRunningLosesItsQueuedItemsAndItsOutputs() {
        var queue = makeQueue(maxBatchItems: 2)
        let id = queue.admit(tags(1, count: 4), tokenCounts: [1, 1, 1, 1], deadline: at(50), now: at(0)).id!
        let batch = queue.nextBatch(now: at(0)).batch!
        #expect(queue.expire(now: at(50)) == [id])
        #expect(queue.stats.queuedItems == 0)
        #expect(queue.complete(batch.id, outputs: batch.items.map(\.output)).isEmpty)
        #expect(queue.isIdle)
    }

    // MARK: Cancellation

    @Test func cancellingDropsQueuedItemsUnseenByTheEngine() {
        var queue = makeQueue()
        let gone = queue.admit(tags(1, count: 2), tokenCounts: [10, 10], deadline: never, now: at(0)).id!
        _ = queue.admit(tags(2, count: 1), tokenCounts: [10], deadline: never, now: at(0))
        #expect(queue.cancel(gone) == .cancelled(droppedItems: 2, runningItems: 0))
        #expect(queue.stats.queuedItems == 1 && queue.stats.queuedTokens == 10)
        #expect(queue.nextBatch(now: at(0)).batch?.items == tags(2, count: 1))
        #expect(queue.cancel(gone) == .notPending)
    }

    @Test func cancellingARunningRequestDiscardsItsOutputsButNotOthers() {
        var queue = makeQueue(maxBatchItems: 3)
        let gone = queue.admit(tags(1, count: 2), tokenCounts: [1, 1], deadline: never, now: at(0)).id!
        let kept = queue.admit(tags(2, count: 1), tokenCounts: [1], deadline: never, now: at(0)).id!
        let batch = queue.nextBatch(now: at(0)).batch!
        #expect(queue.cancel(gone) == .cancelled(droppedItems: 0, runningItems: 2))
        let completed = queue.complete(batch.id, outputs: batch.items.map(\.output))
        #expect(completed.map(\.id) == [kept])
        #expect(completed.first?.outputs == ["scored 2.0"])
        #expect(queue.isIdle)
    }

    @Test func manyCancellationsLeaveNoStaleBookkeepingBehind() {
        var queue = makeQueue(maxQueuedItems: 10_000)
        let ids = (0..<1000).map {
            queue.admit(tags($0, count: 1), tokenCounts: [1], deadline: at(1000 + $0), now: at(0)).id!
        }
        for id in ids.dropLast() { _ = queue.cancel(id) }
        #expect(queue.rotation.count <= 33)
        #expect(queue.deadlines.count <= 34)
        #expect(queue.nextDeadline == at(1999))
        #expect(queue.nextBatch(now: at(0)).batch?.items == tags(999, count: 1))
        _ = queue.cancel(ids.last!)
        #expect(queue.rotation.count == 0 && queue.deadlines.count == 0)
    }

    // MARK: Shutdown and stats

    @Test func shutdownRejectsNewWorkAndDrainsQueuedWorkWithoutWaiting() {
        var queue = makeQueue(maxBatchDelay: .milliseconds(100))
        let queued = queue.admit(tags(1, count: 1), tokenCounts: [1], deadline: never, now: at(0)).id!
        queue.beginShutdown()
        #expect(
            queue.admit(tags(2, count: 1), tokenCounts: [1], deadline: never, now: at(0)).error?.kind == "shuttingDown")
        let batch = queue.nextBatch(now: at(1)).batch
        #expect(batch?.items == tags(1, count: 1))
        #expect(!queue.isIdle)
        #expect(queue.complete(batch!.id, outputs: ["x"]).map(\.id) == [queued])
        #expect(queue.isIdle)
    }

    @Test func statsFollowItemsFromQueueToEngineAndOut() {
        var queue = makeQueue(maxBatchItems: 2)
        _ = queue.admit(tags(1, count: 3), tokenCounts: [5, 6, 7], deadline: never, now: at(0))
        let batch = queue.nextBatch(now: at(4)).batch!
        var expected = BatchQueueStats()
        expected.queuedItems = 1
        expected.queuedTokens = 7
        expected.pendingRequests = 1
        expected.runningBatches = 1
        expected.runningItems = 2
        #expect(queue.stats == expected)
        #expect(batch.tokenCount == 11 && batch.tokenCounts == [5, 6])
        #expect(batch.queueWaits == [.milliseconds(4), .milliseconds(4)])
        _ = queue.complete(batch.id, outputs: ["a", "b"])
        #expect(queue.stats.runningItems == 0 && queue.stats.runningBatches == 0 && queue.stats.pendingRequests == 1)
    }
}
