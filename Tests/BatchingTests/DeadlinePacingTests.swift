// Deadline pacing on the queue state machine: when a request counts as behind its pace, how paced
// items go ahead of the round-robin turns (earliest pace end first, within half the batch), the
// look-ahead to the batch's end, and the rotation's bookkeeping when pacing drains a request.
import TestSupport
import Testing

@testable import Batching

private func seconds(_ value: Double) -> ContinuousClock.Instant { origin + .milliseconds(Int(value * 1000)) }

@Suite struct DeadlinePacingTests {
    @Test func aRequestIsBehindItsPaceOnceAWholeItemIsDueBeyondWhatItWasHanded() throws {
        var queue = makeQueue(maxBatchItems: 1)
        // Four items of 10 tokens, a 40 s deadline: its pace runs from 0 to 30 s, 4 tokens per 3 s.
        let id = try #require(queue.admit(tags(1, count: 4), tokenCounts: [10, 10, 10, 10], deadline: seconds(40), now: at(0)).id)
        let request = try #require(queue.requests[id])
        #expect(request.paceEnd == seconds(30))
        #expect(!request.isBehindPace(at: seconds(0)))
        #expect(!request.isBehindPace(at: seconds(7.4)))  // 9 tokens due
        #expect(request.isBehindPace(at: seconds(7.5)))  // 10 due
        // Once its first item went to the engine, the next one is due at 15 s.
        _ = queue.nextBatch(now: at(0))
        let handedOne = try #require(queue.requests[id])
        #expect(!handedOne.isBehindPace(at: seconds(14.9)) && handedOne.isBehindPace(at: seconds(15)))
        // Past its pace end everything is due.
        #expect(handedOne.isBehindPace(at: seconds(100)))
    }

    @Test func itemsBehindThePaceGoAheadOfTheTurnsWithinHalfTheBatch() throws {
        var queue = makeQueue(maxBatchItems: 4)
        _ = queue.admit(tags(1, count: 8), tokenCounts: Array(repeating: 10, count: 8), deadline: seconds(4), now: at(0))
        _ = queue.admit(tags(2, count: 1), tokenCounts: [10], deadline: never, now: at(0))
        _ = queue.admit(tags(3, count: 1), tokenCounts: [10], deadline: never, now: at(0))
        // At its 3 s pace end all 80 tokens of request 1 are due: it takes half of the four places,
        // then the turns go round (1, 2, 3) for the rest.
        let batch = try #require(queue.nextBatch(now: seconds(3)).batch)
        #expect(batch.items == [tag(1, 0), tag(1, 1), tag(1, 2), tag(2, 0)])
        // Without a deadline pressing, the same requests would simply take turns.
        var unhurried = makeQueue(maxBatchItems: 4)
        _ = unhurried.admit(tags(1, count: 8), tokenCounts: Array(repeating: 10, count: 8), deadline: never, now: at(0))
        _ = unhurried.admit(tags(2, count: 1), tokenCounts: [10], deadline: never, now: at(0))
        _ = unhurried.admit(tags(3, count: 1), tokenCounts: [10], deadline: never, now: at(0))
        #expect(unhurried.nextBatch(now: seconds(3)).batch?.items == [tag(1, 0), tag(2, 0), tag(3, 0), tag(1, 1)])
    }

    @Test func theEarliestPaceEndGoesFirstAndPacingStopsAtHalfTheTokenBudget() throws {
        var queue = makeQueue(maxBatchItems: 8, maxBatchTokens: 100)
        // Both wholly due at 15 s; request 2's pace ends first (12 s) although it arrived second.
        _ = queue.admit(tags(1, count: 4), tokenCounts: [20, 20, 20, 20], deadline: seconds(20), now: at(0))
        _ = queue.admit(tags(2, count: 4), tokenCounts: [15, 15, 15, 15], deadline: seconds(16), now: at(0))
        // Request 2 is wholly due, but only three of its items fit in the paced half of the 100 tokens:
        // its fourth ends pacing, and request 1, due as well, waits for the turns, which fill the batch.
        let batch = try #require(queue.nextBatch(now: seconds(15)).batch)
        #expect(batch.items == [tag(2, 0), tag(2, 1), tag(2, 2), tag(1, 0), tag(2, 3), tag(1, 1)])
        #expect(batch.tokenCount == 100)
    }

    @Test func pacingLooksAheadToTheEndOfTheBatchBeingCut() throws {
        // 0.1 s per token: a batch of four of the queued items (40 tokens) takes 4 s.
        var queue = TestQueue(limits: BatchLimits(maxBatchItems: 4, maxBatchTokens: 1000, engineSecondsPerToken: 0.1))
        _ = queue.admit(tags(1, count: 4), tokenCounts: [10, 10, 10, 10], deadline: never, now: at(0))
        _ = queue.admit(tags(2, count: 1), tokenCounts: [10], deadline: seconds(8), now: at(0))
        // Request 2's pace ends at 6 s; now it is not yet behind (5 of 10 tokens due), by the end of this
        // batch it is, so it goes first although request 1 heads the rotation.
        #expect(queue.requests.values.allSatisfy { !$0.isBehindPace(at: seconds(3)) })
        let batch = try #require(queue.nextBatch(now: seconds(3)).batch)
        #expect(batch.items == [tag(2, 0), tag(1, 0), tag(1, 1), tag(1, 2)])
    }

    @Test func aRequestWhoseQueuedItemsArePacedLeavesAStaleRotationEntryThatIsDropped() throws {
        var queue = makeQueue(maxBatchItems: 4)
        let ids = try [1, 3, 4].map { request in
            try #require(queue.admit(tags(request, count: 3), tokenCounts: [10, 10, 10], deadline: never, now: at(0)).id)
        }
        _ = queue.admit(tags(2, count: 2), tokenCounts: [10, 10], deadline: seconds(2), now: at(0))
        // Request 2 is wholly due at 1.5 s: both of its items are paced, and its place at the back of
        // the rotation goes stale; the turns go to requests 1 and 3.
        let batch = try #require(queue.nextBatch(now: seconds(1.5)).batch)
        #expect(batch.items == [tag(2, 0), tag(2, 1), tag(1, 0), tag(3, 0)])
        #expect(queue.staleInRotation == 1)
        #expect(queue.rotation.filter { !queue.isStaleInRotation($0) } == [ids[2], ids[0], ids[1]])
        // The next turns skip it.
        let next = try #require(queue.nextBatch(now: seconds(1.5)).batch)
        #expect(next.items == [tag(4, 0), tag(1, 1), tag(3, 1), tag(4, 1)])
        #expect(queue.staleInRotation == 0)
        let last = try #require(queue.nextBatch(now: seconds(1.5)).batch)
        #expect(last.items == [tag(1, 2), tag(3, 2), tag(4, 2)])
        for done in [batch, next, last] { _ = queue.complete(done.id, outputs: done.items.map(\.output)) }
        #expect(queue.isIdle && queue.rotation.count == 0)
    }
}
