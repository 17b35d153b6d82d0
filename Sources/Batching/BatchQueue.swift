// The batcher's queue as a pure state machine: admission, cancellation, expiry and the
// bookkeeping behind them. It takes the current instant as an argument and returns decisions;
// it never reads a clock, sleeps, locks or calls the engine (the `Batcher` driver does that).
// Cutting batches lives in BatchQueue+Cutting.swift, completing them in BatchQueue+Completion.swift.

/// A bounded queue of requests, each a list of items with token counts, cut into batches by a
/// token budget and an item cap. A batch's room is shared among all requests with queued items:
/// requests behind their deadline pace first catch up within half of it, then one item per request
/// per turn, so one large request cannot hold back the requests behind it nor be starved by them
/// (BatchQueue+Cutting.swift and BatchQueue+Pacing.swift say exactly how). Each request's outputs
/// still come back in its own item order. Generic over the item payload and the engine's per-item
/// output.
///
/// Contract with the driver: call `nextBatch` only when the engine is free, run the batch it
/// returns, then report it exactly once with `complete` or `fail`.
public struct BatchQueue<Item, Output> {
    public let limits: BatchLimits
    /// Set by `beginShutdown`; admission then fails with `shuttingDown` and batches no longer wait.
    public private(set) var isShuttingDown = false

    var requests: [RequestID: PendingRequest<Item, Output>] = [:]
    /// Requests with queued items, in the order of their next turn: the head goes next, a request
    /// that still has items after its turn goes to the back, and so does a newly admitted one.
    /// May also hold stale ids, of requests removed while they still had queued items or whose last
    /// queued items were paced (`staleInRotation` of them); never at its head.
    var rotation = RequestFIFO()
    var staleInRotation = 0
    /// Deadlines of pending requests. May hold entries of finished requests; never at its top.
    var deadlines = DeadlineHeap()
    /// For each running batch, which request item each batch position belongs to.
    var running: [BatchID: [ItemSlot]] = [:]
    /// The engine's measured cost per token, for deadline-aware admission; nil turns it off.
    public internal(set) var engineRate: EngineRate?
    var queuedItems = 0
    var queuedTokens = 0
    var runningItems = 0
    var requestsAdmitted: UInt64 = 0
    var batchesCut: UInt64 = 0

    struct ItemSlot {
        let request: RequestID
        let index: Int
    }

    public init(limits: BatchLimits) {
        precondition(limits.problems.isEmpty, "invalid BatchLimits: \(limits.problems.joined(separator: "; "))")
        self.limits = limits
        engineRate = limits.engineSecondsPerToken.map { EngineRate(secondsPerToken: $0) }
    }

    public var stats: BatchQueueStats {
        var stats = BatchQueueStats()
        stats.queuedItems = queuedItems
        stats.queuedTokens = queuedTokens
        stats.pendingRequests = requests.count
        stats.runningBatches = running.count
        stats.runningItems = runningItems
        return stats
    }

    /// No pending request and no running batch: after `beginShutdown`, the queue is drained.
    public var isIdle: Bool { requests.isEmpty && running.isEmpty }

    /// The earliest deadline among pending requests: when `expire` will next have something to
    /// report. The driver arms its wake-up for this instant.
    public var nextDeadline: ContinuousClock.Instant? { deadlines.min?.deadline }

    /// Queues all of a request's items, or none. `tokenCounts[i]` is the token count of `items[i]`.
    /// Checks, in order: shutting down; malformed; deadline already passed; larger than the queue
    /// bounds on its own (`requestTooLarge`, so the bounds hold even for an empty queue); no room
    /// now (`overloaded`); with `checkingDeadline` and an `engineRate`, more engine time than is free
    /// before the deadline (`deadlineUnreachable`, BatchQueue+Deadline.swift). Pass `checkingDeadline:
    /// false` for a later part of a request already checked whole. Rejection never touches what is
    /// already queued.
    public mutating func admit(
        _ items: [Item],
        tokenCounts: [Int],
        deadline: ContinuousClock.Instant,
        now: ContinuousClock.Instant,
        checkingDeadline: Bool = true
    ) -> Admission {
        if isShuttingDown { return .rejected(.shuttingDown) }
        let tokens: Int
        switch Self.validatedTokenTotal(items: items.count, tokenCounts: tokenCounts) {
        case .failure(let error): return .rejected(error)
        case .success(let total): tokens = total
        }
        if deadline <= now { return .rejected(.deadlineExceeded) }
        if items.count > limits.maxQueuedItems || tokens > limits.maxQueuedTokens {
            return .rejected(.requestTooLarge(items: items.count, tokens: tokens))
        }
        if items.count > limits.maxQueuedItems - queuedItems || tokens > limits.maxQueuedTokens - queuedTokens {
            return .rejected(.overloaded)
        }
        if checkingDeadline, let refusal = deadlineRefusal(tokenCounts: tokenCounts, deadline: deadline, now: now) {
            return .rejected(refusal)
        }
        requestsAdmitted += 1
        let id = RequestID(rawValue: requestsAdmitted)
        requests[id] = PendingRequest(
            items: items, tokenCounts: tokenCounts, tokens: tokens, arrival: now, deadline: deadline)
        rotation.append(id)
        deadlines.insert(.init(deadline: deadline, request: id))
        queuedItems += items.count
        queuedTokens += tokens
        return .admitted(id)
    }

    /// Drops a pending request: its queued items leave the queue unseen by the engine, and outputs
    /// of its running items will be discarded.
    public mutating func cancel(_ id: RequestID) -> CancelOutcome {
        guard let request = removeRequest(id) else { return .notPending }
        return .cancelled(droppedItems: request.queuedItems, runningItems: request.runningItems)
    }

    /// Removes every pending request whose deadline is at or before `now`, queued or running, and
    /// returns them, earliest deadline first. Outputs of their running items will be discarded.
    public mutating func expire(now: ContinuousClock.Instant) -> [RequestID] {
        var expired: [RequestID] = []
        while let earliest = deadlines.min, earliest.deadline <= now {
            deadlines.removeMin()
            if removeRequest(earliest.request) != nil { expired.append(earliest.request) }
        }
        return expired
    }

    /// Stops admission. Queued work still runs, without `maxBatchDelay` waits; the queue is drained
    /// once `isIdle`.
    public mutating func beginShutdown() { isShuttingDown = true }

    /// Forgets a pending request, keeping the counters and the rotation/deadline invariants.
    mutating func removeRequest(_ id: RequestID) -> PendingRequest<Item, Output>? {
        guard let request = requests.removeValue(forKey: id) else { return nil }
        if request.queuedItems > 0 {
            queuedItems -= request.queuedItems
            queuedTokens -= request.queuedTokens
            staleInRotation += 1
        }
        dropStaleEntries()
        return request
    }

    /// Removes stale ids from the heads of `rotation` and `deadlines`, and compacts either when stale
    /// entries outnumber live ones, so both stay O(pending requests).
    mutating func dropStaleEntries() {
        if staleInRotation > 32 && staleInRotation * 2 > rotation.count {
            let requests = requests
            rotation.removeAll { Self.isStale($0, among: requests) }
            staleInRotation = 0
        }
        while let head = rotation.first, isStaleInRotation(head) {
            rotation.removeFirst()
            staleInRotation -= 1
        }
        if deadlines.count > 2 * requests.count + 32 {
            deadlines.filter { requests[$0.request] != nil }
        }
        while let top = deadlines.min, requests[top.request] == nil { deadlines.removeMin() }
    }

    /// A rotation entry is live while its request has items queued.
    func isStaleInRotation(_ id: RequestID) -> Bool { Self.isStale(id, among: requests) }

    private static func isStale(_ id: RequestID, among requests: [RequestID: PendingRequest<Item, Output>]) -> Bool {
        (requests[id]?.queuedItems ?? 0) == 0
    }

    private static func validatedTokenTotal(items: Int, tokenCounts: [Int]) -> Result<Int, BatchingError> {
        guard items > 0 else { return .failure(.invalidRequest("a request needs at least one item")) }
        guard tokenCounts.count == items else {
            return .failure(.invalidRequest("\(items) items but \(tokenCounts.count) token counts"))
        }
        var total = 0
        for count in tokenCounts {
            guard count >= 0 else { return .failure(.invalidRequest("negative token count \(count)")) }
            let (sum, overflow) = total.addingReportingOverflow(count)
            guard !overflow else { return .failure(.requestTooLarge(items: items, tokens: .max)) }
            total = sum
        }
        return .success(total)
    }
}

extension BatchQueue: Sendable where Item: Sendable, Output: Sendable {}
extension BatchQueue.ItemSlot: Sendable {}
