// A seeded random walk over the queue state machine: many requests of random sizes, random
// cancellations and deadlines, up to two batches running at once and finishing in any order,
// some failing. Every request must end exactly once, survivors with exactly their own outputs in
// order, every batch within its limits and in arrival order, and the queue empty at the end.
import TestSupport
import Testing

@testable import Batching

@Suite struct BatchQueueModelTests {
    @Test(arguments: [1, 2, 3, 42, 20_261_127] as [UInt64])
    func randomWorkloadsRouteEveryOutputToItsOwnRequest(seed: UInt64) {
        var walk = RandomWalk(seed: seed)
        for _ in 0..<3000 { walk.step() }
        walk.finish()
        #expect(walk.queue.isIdle)
        #expect(walk.queue.stats == BatchQueueStats())
        #expect(walk.queue.order.count == 0 && walk.queue.deadlines.count == 0)
        #expect(walk.unfinished.isEmpty)
        #expect(walk.completedCount > 100)
        #expect(walk.outcomes["cancelled", default: 0] > 0 && walk.outcomes["expired", default: 0] > 0)
        #expect(walk.outcomes["failed", default: 0] > 0 && walk.outcomes["overloaded", default: 0] > 0)
        #expect(walk.largestBatch > 1)
    }
}

/// The random walk and the independent record it checks the queue against.
private struct RandomWalk {
    static let limits = BatchLimits(
        maxBatchItems: 6, maxBatchTokens: 200, maxBatchDelay: .milliseconds(3),
        maxQueuedItems: 24, maxQueuedTokens: 1500)

    var queue = BatchQueue<Tag, String>(limits: limits)
    var random: SeededGenerator
    var now = at(0)
    var nextRequest = 0
    /// Admitted requests not yet ended: their items and deadline.
    var unfinished: [RequestID: (items: [Tag], deadline: ContinuousClock.Instant)] = [:]
    var running: [Batch<Tag>] = []
    var lastTaken: Tag?
    var outcomes: [String: Int] = [:]
    var completedCount: Int { outcomes["completed", default: 0] }
    var largestBatch = 0

    init(seed: UInt64) { random = SeededGenerator(seed: seed) }

    mutating func step() {
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<40: admit()
        case 40..<46: cancelOne()
        case 46..<62: now += .microseconds(Int.random(in: 0...2000, using: &random))
        case 62..<80: if running.count < 2 { cut() }
        case 80..<97: if !running.isEmpty { finishOne() }
        default: record(expired: queue.expire(now: now))
        }
    }

    /// Lets the engine finish everything still queued or running, without moving time.
    mutating func finish() {
        queue.beginShutdown()
        while !running.isEmpty || queue.stats.queuedItems > 0 {
            if running.isEmpty { cut() } else { finishOne() }
        }
    }

    mutating func admit() {
        nextRequest += 1
        let count = Int.random(in: 1...6, using: &random)
        let items = tags(nextRequest, count: count)
        let tokens = (0..<count).map { _ in Int.random(in: 1...260, using: &random) }
        let deadline = Bool.random(using: &random) ? never : now + .milliseconds(Int.random(in: 1...20, using: &random))
        let before = queue.stats
        switch queue.admit(items, tokenCounts: tokens, deadline: deadline, now: now) {
        case .admitted(let id):
            #expect(unfinished[id] == nil)
            unfinished[id] = (items, deadline)
            #expect(queue.stats.queuedItems == before.queuedItems + count)
            #expect(queue.stats.queuedTokens == before.queuedTokens + tokens.reduce(0, +))
        case .rejected(let error):
            outcomes[error.kind, default: 0] += 1
            #expect(queue.stats == before)
            let fitsItems = before.queuedItems + count <= Self.limits.maxQueuedItems
            let fitsTokens = before.queuedTokens + tokens.reduce(0, +) <= Self.limits.maxQueuedTokens
            #expect(error.kind == "overloaded" || error.kind == "requestTooLarge")
            #expect(!(fitsItems && fitsTokens), "rejected \(error) although the request fit")
        }
        #expect(queue.stats.queuedItems <= Self.limits.maxQueuedItems)
        #expect(queue.stats.queuedTokens <= Self.limits.maxQueuedTokens)
    }

    mutating func cancelOne() {
        guard let id = unfinished.keys.sorted().randomElement(using: &random) else { return }
        guard case .cancelled = queue.cancel(id) else {
            Issue.record("\(id) was pending but cancel said otherwise")
            return
        }
        end(id, as: "cancelled")
        #expect(queue.cancel(id) == .notPending)
    }

    mutating func cut() {
        let decision = queue.nextBatch(now: now)
        record(expired: decision.expired)
        guard let batch = decision.batch else { return }
        largestBatch = max(largestBatch, batch.items.count)
        #expect(batch.items.count <= Self.limits.maxBatchItems)
        #expect(batch.tokenCount <= Self.limits.maxBatchTokens || batch.items.count == 1)
        for item in batch.items {
            // Strictly increasing across all batches: arrival order, no item taken twice.
            if let lastTaken { #expect(lastTaken < item) }
            lastTaken = item
        }
        running.append(batch)
    }

    mutating func finishOne() {
        let batch = running.remove(at: Int.random(in: 0..<running.count, using: &random))
        if Int.random(in: 0..<10, using: &random) == 0 {
            let failed = queue.fail(batch.id)
            for id in failed { end(id, as: "failed") }
            #expect(Set(failed).count == failed.count)
            return
        }
        for done in queue.complete(batch.id, outputs: batch.items.map(\.output)) {
            #expect(done.outputs == unfinished[done.id]?.items.map(\.output), "\(done.id) got foreign outputs")
            end(done.id, as: "completed")
        }
    }

    mutating func record(expired: [RequestID]) {
        for id in expired {
            if let deadline = unfinished[id]?.deadline { #expect(deadline <= now) }
            end(id, as: "expired")
        }
    }

    /// Every request ends exactly once.
    mutating func end(_ id: RequestID, as outcome: String) {
        #expect(unfinished.removeValue(forKey: id) != nil, "\(id) ended twice (now \(outcome))")
        outcomes[outcome, default: 0] += 1
    }
}
