// A seeded random walk over the queue state machine: many requests of random sizes, random
// cancellations and deadlines, up to two batches running at once and finishing in any order,
// some failing. A reference model of the cutting (deadline pacing, then round-robin turns), kept the
// plain way (arrays, linear scans), must agree with every decision: what expired, idle or wait (and until when), and each
// batch item by item. Every request must end exactly once, survivors with exactly their own
// outputs in item order; no batch may break its limits, hold an item of an expired request or
// give unfair shares; counters, rotation and stale entries must agree after every step; and the
// queue must be empty at the end.
import TestSupport
import Testing

@testable import Batching

@Suite struct BatchQueueModelTests {
    @Test(arguments: [1, 2, 3, 42, 20_261_127] as [UInt64])
    func randomWorkloadsFollowTheReferenceAndRouteEveryOutputToItsOwnRequest(seed: UInt64) {
        var walk = RandomWalk(seed: seed)
        for _ in 0..<3000 {
            walk.step()
            walk.checkBookkeeping()
        }
        walk.finish()
        #expect(walk.queue.isIdle)
        #expect(walk.queue.stats == BatchQueueStats())
        #expect(walk.queue.rotation.count == 0 && walk.queue.deadlines.count == 0)
        #expect(walk.unfinished.isEmpty)
        #expect(walk.completedCount > 100)
        #expect(walk.outcomes["cancelled", default: 0] > 0 && walk.outcomes["expired", default: 0] > 0)
        #expect(walk.outcomes["failed", default: 0] > 0 && walk.outcomes["overloaded", default: 0] > 0)
        #expect(walk.outcomes["waited", default: 0] > 0)
        #expect(walk.outcomes["paced", default: 0] > 10)
        #expect(walk.largestBatch > 1)
        // Batches where one request's items are interleaved with another's: the turns really happen.
        #expect(walk.outcomes["interleaved", default: 0] > 10)
    }
}

/// What the queue should hold and cut: paced items, then round-robin by item, as
/// BatchQueue+Pacing.swift and BatchQueue+Cutting.swift document them (the walk's queue has no engine
/// rate, so a batch's pace is taken at the instant it is cut).
private struct ReferenceQueue {
    struct Waiting {
        var tags: ArraySlice<Tag>
        var tokens: ArraySlice<Int>
        let arrival: ContinuousClock.Instant
        let paceEnd: ContinuousClock.Instant
        let totalTokens: Int

        /// Tokens due by `instant` on a straight line from arrival to pace end, less those handed out.
        func deficit(at instant: ContinuousClock.Instant) -> Int {
            guard instant > arrival else { return Int.min }
            let fraction = instant >= paceEnd ? 1 : (instant - arrival).secondsValue / (paceEnd - arrival).secondsValue
            let handed = totalTokens - tokens.reduce(0, +)
            return Int((Double(totalTokens) * fraction).rounded(.down)) - handed
        }
    }

    let limits: BatchLimits
    /// Requests with items queued, the next turn first.
    var rotation: [RequestID] = []
    var waiting: [RequestID: Waiting] = [:]

    var queuedItems: Int { waiting.values.reduce(0) { $0 + $1.tags.count } }
    var queuedTokens: Int { waiting.values.reduce(0) { $0 + $1.tokens.reduce(0, +) } }

    mutating func admit(
        _ id: RequestID, tags: [Tag], tokens: [Int], arrival: ContinuousClock.Instant, deadline: ContinuousClock.Instant
    ) {
        waiting[id] = Waiting(
            tags: tags[...], tokens: tokens[...], arrival: arrival,
            paceEnd: arrival + (deadline - arrival) * DeadlinePacing.windowShare, totalTokens: tokens.reduce(0, +))
        rotation.append(id)
    }

    mutating func forget(_ id: RequestID) {
        waiting[id] = nil
        rotation.removeAll { $0 == id }
    }

    /// When a free engine should be told to wait until, once overdue requests are gone.
    func expectedWait(now: ContinuousClock.Instant, shuttingDown: Bool) -> ContinuousClock.Instant? {
        guard limits.maxBatchDelay > .zero, !shuttingDown,
            queuedItems < limits.maxBatchItems, queuedTokens < limits.maxBatchTokens,
            let oldest = waiting.values.map(\.arrival).min()
        else { return nil }
        let release = oldest + limits.maxBatchDelay
        return now < release ? release : nil
    }

    /// First the items of requests a whole item behind their pace, earliest pace end first,
    /// within half the item cap and token budget; then one item per turn from the head of the
    /// rotation, which then goes to the back if it has more; the first item that does not fit ends
    /// each part, unless the batch is still empty. Returns the batch and how many items were paced.
    mutating func cut(now: ContinuousClock.Instant) -> (items: [Tag], paced: Int) {
        var batch: [Tag] = []
        var tokens = 0
        let itemRoom = max(1, limits.maxBatchItems / 2)
        let tokenRoom = max(1, limits.maxBatchTokens / 2)
        let behind = waiting.filter { $0.value.deficit(at: now) >= $0.value.tokens.first! }
            .sorted { ($0.value.paceEnd, $0.key) < ($1.value.paceEnd, $1.key) }.map(\.key)
        pacing: for id in behind {
            while var request = waiting[id], let tag = request.tags.first, let next = request.tokens.first,
                request.deficit(at: now) >= next
            {
                if !batch.isEmpty && (batch.count >= itemRoom || tokens + next > tokenRoom) { break pacing }
                batch.append(tag)
                tokens += next
                request.tags.removeFirst()
                request.tokens.removeFirst()
                waiting[id] = request.tags.isEmpty ? nil : request
                if request.tags.isEmpty { rotation.removeAll { $0 == id } }
            }
        }
        let paced = batch.count
        while batch.count < limits.maxBatchItems, let id = rotation.first, var request = waiting[id],
            let tag = request.tags.first, let next = request.tokens.first
        {
            if !batch.isEmpty && tokens + next > limits.maxBatchTokens { break }
            batch.append(tag)
            tokens += next
            request.tags.removeFirst()
            request.tokens.removeFirst()
            rotation.removeFirst()
            waiting[id] = request.tags.isEmpty ? nil : request
            if !request.tags.isEmpty { rotation.append(id) }
        }
        return (batch, paced)
    }
}

/// The random walk and the independent record it checks the queue against.
private struct RandomWalk {
    static let limits = BatchLimits(
        maxBatchItems: 6, maxBatchTokens: 200, maxBatchDelay: .milliseconds(3),
        maxQueuedItems: 24, maxQueuedTokens: 1500)

    var queue = BatchQueue<Tag, String>(limits: limits)
    var model = ReferenceQueue(limits: limits)
    var random: SeededGenerator
    var now = at(0)
    var nextRequest = 0
    /// Admitted requests not yet ended: their items and deadline.
    var unfinished: [RequestID: (items: [Tag], deadline: ContinuousClock.Instant)] = [:]
    /// The deadline of each admitted request, by the request number in its tags.
    var deadlineOfTag: [Int: ContinuousClock.Instant] = [:]
    var running: [Batch<Tag>] = []
    var outcomes: [String: Int] = [:]
    var completedCount: Int { outcomes["completed", default: 0] }
    var largestBatch = 0

    init(seed: UInt64) { random = SeededGenerator(seed: seed) }

    mutating func step() {
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<32: admit()
        case 32..<38: cancelOne()
        case 38..<56: now += .microseconds(Int.random(in: 0...2000, using: &random))
        case 56..<77: if running.count < 2 { cut() }
        case 77..<97: if !running.isEmpty { finishOne() }
        default: record(expired: queue.expire(now: now))
        }
    }

    /// Lets the engine finish everything still queued or running, without moving time.
    mutating func finish() {
        queue.beginShutdown()
        while !running.isEmpty || queue.stats.queuedItems > 0 {
            if running.isEmpty { cut() } else { finishOne() }
            checkBookkeeping()
        }
    }

    mutating func admit() {
        nextRequest += 1
        let count = Int.random(in: 1...6, using: &random)
        let items = tags(nextRequest, count: count)
        // Short and long requests, as in service: their items mix in batches, some over the budget.
        let sizes = Bool.random(using: &random) ? 1...30 : 60...260
        let tokens = (0..<count).map { _ in Int.random(in: sizes, using: &random) }
        let deadline = Bool.random(using: &random) ? never : now + .milliseconds(Int.random(in: 1...20, using: &random))
        let before = queue.stats
        switch queue.admit(items, tokenCounts: tokens, deadline: deadline, now: now) {
        case .admitted(let id):
            #expect(unfinished[id] == nil)
            unfinished[id] = (items, deadline)
            deadlineOfTag[nextRequest] = deadline
            model.admit(id, tags: items, tokens: tokens, arrival: now, deadline: deadline)
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
        let expectedWait = model.expectedWait(now: now, shuttingDown: queue.isShuttingDown)
        switch decision.action {
        case .idle:
            #expect(model.rotation.isEmpty, "idle although \(model.queuedItems) items are queued")
        case .wait(let until):
            #expect(until == expectedWait)
            outcomes["waited", default: 0] += 1
        case .run(let batch):
            #expect(expectedWait == nil, "ran although the batch should wait until \(String(describing: expectedWait))")
            check(batch)
            running.append(batch)
        }
    }

    /// The batch is the reference's, within its limits, free of expired work and fairly shared.
    mutating func check(_ batch: Batch<Tag>) {
        let expected = model.cut(now: now)
        #expect(batch.items == expected.items)
        if expected.paced > 0 { outcomes["paced", default: 0] += 1 }
        largestBatch = max(largestBatch, batch.items.count)
        #expect(batch.items.count <= Self.limits.maxBatchItems)
        #expect(batch.tokenCount <= Self.limits.maxBatchTokens || batch.items.count == 1)
        #expect(batch.tokenCount == batch.tokenCounts.reduce(0, +))
        for item in batch.items {
            #expect(deadlineOfTag[item.request].map { $0 > now } == true, "\(item) is in a batch after its deadline")
        }
        let requests = batch.items.map(\.request)
        if zip(requests, requests.dropFirst()).contains(where: { $0 != $1 }) && Set(requests).count < requests.count {
            outcomes["interleaved", default: 0] += 1
        }
        checkFairShares(batch.items.dropFirst(expected.paced))
    }

    /// Round-robin shares of the items after the paced ones: among requests that had a turn coming and
    /// still do, shares differ by at most one (a request left out entirely means nobody got two), and no
    /// request got more than that.
    func checkFairShares(_ turns: ArraySlice<Tag>) {
        let number = { (id: RequestID) in unfinished[id]?.items.first?.request }
        let waiting = Set(turns.map(\.request)).union(model.rotation.compactMap(number))
        var shares = Dictionary(uniqueKeysWithValues: waiting.map { ($0, 0) })
        for item in turns { shares[item.request, default: 0] += 1 }
        guard let least = model.rotation.compactMap(number).compactMap({ shares[$0] }).min() else { return }
        #expect(shares.values.allSatisfy { $0 <= least + 1 }, "unfair shares \(shares) in \(turns)")
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

    /// Expiry reports exactly the requests due by now, earliest deadline first.
    mutating func record(expired: [RequestID]) {
        let due = unfinished.filter { $0.value.deadline <= now }
            .sorted { ($0.value.deadline, $0.key) < ($1.value.deadline, $1.key) }.map(\.key)
        #expect(expired == due)
        for id in expired { end(id, as: "expired") }
    }

    /// Every request ends exactly once.
    mutating func end(_ id: RequestID, as outcome: String) {
        #expect(unfinished.removeValue(forKey: id) != nil, "\(id) ended twice (now \(outcome))")
        model.forget(id)
        outcomes[outcome, default: 0] += 1
    }

    /// Counters, the rotation with its stale entries, and the next deadline agree with the record.
    func checkBookkeeping() {
        let live = queue.rotation.filter { !queue.isStaleInRotation($0) }
        #expect(live == model.rotation)
        #expect(queue.rotation.count - live.count == queue.staleInRotation)
        #expect(queue.rotation.first.map { !queue.isStaleInRotation($0) } ?? true, "a stale id heads the rotation")
        var expected = BatchQueueStats()
        expected.queuedItems = model.queuedItems
        expected.queuedTokens = model.queuedTokens
        expected.pendingRequests = unfinished.count
        expected.runningBatches = running.count
        expected.runningItems = running.reduce(0) { $0 + $1.items.count }
        #expect(queue.stats == expected)
        #expect(queue.nextDeadline == unfinished.values.map(\.deadline).min())
    }
}
