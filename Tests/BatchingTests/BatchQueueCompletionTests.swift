// Routing outputs back through the queue state machine: order within a request (also when
// requests interleave in batches), completion only when the last output lands, and engine failures
// confined to the batch's requests.
import Testing

@testable import Batching

@Suite struct BatchQueueCompletionTests {
    @Test func aRequestCompletesWithOutputsInItemOrderOnlyWhenAllItemsAreDone() {
        var queue = makeQueue(maxBatchItems: 4)
        let first = queue.admit(tags(1, count: 3), tokenCounts: [1, 1, 1], deadline: never, now: at(0)).id!
        let second = queue.admit(tags(2, count: 3), tokenCounts: [1, 1, 1], deadline: never, now: at(0)).id!
        let batchA = queue.nextBatch(now: at(0)).batch!
        let batchB = queue.nextBatch(now: at(0)).batch!
        #expect(batchB.items == [tag(1, 2), tag(2, 2)])
        // The later batch finishes first: both requests still miss items 0 and 1, so nothing completes.
        #expect(queue.complete(batchB.id, outputs: batchB.items.map(\.output)).isEmpty)
        let completed = queue.complete(batchA.id, outputs: batchA.items.map(\.output))
        #expect(completed.map(\.id) == [first, second])
        #expect(completed[0].outputs == tags(1, count: 3).map(\.output))
        #expect(completed[1].outputs == tags(2, count: 3).map(\.output))
        #expect(queue.isIdle)
    }

    @Test func interleavedRequestsGetTheirOutputsBackInItemOrderWhateverOrderBatchesFinishIn() {
        var queue = makeQueue(maxBatchItems: 3)
        let sizes = [1: 4, 2: 1, 3: 3]
        for request in 1...3 {
            let count = sizes[request, default: 0]
            _ = queue.admit(
                tags(request, count: count), tokenCounts: Array(repeating: 1, count: count), deadline: never,
                now: at(0))
        }
        var batches: [Batch<Tag>] = []
        while let batch = queue.nextBatch(now: at(0)).batch { batches.append(batch) }
        #expect(
            batches.map(\.items) == [
                [tag(1, 0), tag(2, 0), tag(3, 0)], [tag(1, 1), tag(3, 1), tag(1, 2)], [tag(3, 2), tag(1, 3)],
            ])
        var completed: [CompletedRequest<String>] = []
        for batch in batches.reversed() { completed += queue.complete(batch.id, outputs: batch.items.map(\.output)) }
        // Nothing completes until the first batch lands with every request's item 0.
        #expect(completed.map(\.id.rawValue) == [1, 2, 3])
        for request in completed {
            let number = Int(request.id.rawValue)
            #expect(request.outputs == tags(number, count: sizes[number, default: 0]).map(\.output))
        }
        #expect(queue.isIdle)
    }

    @Test func anEngineFailureFailsOnlyTheRequestsInThatBatch() {
        var queue = makeQueue(maxBatchItems: 3)
        let a = queue.admit(tags(1, count: 2), tokenCounts: [1, 1], deadline: never, now: at(0)).id!
        let b = queue.admit(tags(2, count: 1), tokenCounts: [1], deadline: never, now: at(0)).id!
        let failing = queue.nextBatch(now: at(0)).batch!
        // Admitted after the cut, so none of its items is in the failing batch.
        let c = queue.admit(tags(3, count: 1), tokenCounts: [1], deadline: never, now: at(0)).id!
        let healthy = queue.nextBatch(now: at(0)).batch!
        #expect(failing.items == [tag(1, 0), tag(2, 0), tag(1, 1)])
        // Request 1 had two items in the batch and is reported once.
        #expect(queue.fail(failing.id) == [a, b])
        #expect(queue.complete(healthy.id, outputs: ["c"]).map(\.id) == [c])
        #expect(queue.isIdle)
    }

    @Test func aFailedRequestAlsoLosesItsQueuedItems() {
        var queue = makeQueue(maxBatchItems: 2)
        let a = queue.admit(tags(1, count: 3), tokenCounts: [1, 1, 1], deadline: never, now: at(0)).id!
        let failing = queue.nextBatch(now: at(0)).batch!
        // Admitted after the cut, so the failure is not its concern.
        let b = queue.admit(tags(2, count: 1), tokenCounts: [1], deadline: never, now: at(0)).id!
        #expect(queue.fail(failing.id) == [a])
        #expect(queue.stats.queuedItems == 1)
        let next = queue.nextBatch(now: at(0)).batch!
        #expect(next.items == tags(2, count: 1))
        #expect(queue.complete(next.id, outputs: ["b"]).map(\.id) == [b])
        #expect(queue.nextDeadline == nil)
    }
}
