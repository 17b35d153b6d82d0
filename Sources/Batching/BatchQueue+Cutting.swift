// Deciding what a free engine does next: expire overdue requests, then run a batch cut from the
// head of the queue, wait for a fuller batch (only with a maxBatchDelay), or idle.

extension BatchQueue {
    /// Call whenever the engine is free. Expires overdue requests first (reported in `expired`),
    /// then: `.idle` when nothing is queued; `.wait(until:)` when `maxBatchDelay` is positive, the
    /// queue is not shutting down, the queued work would not fill a batch and the oldest queued item
    /// arrived less than the delay ago; otherwise `.run` with a batch cut in arrival order.
    public mutating func nextBatch(now: ContinuousClock.Instant) -> BatchDecision<Item> {
        let expired = expire(now: now)
        guard queuedItems > 0 else { return BatchDecision(action: .idle, expired: expired) }
        if let release = delayedRelease(), now < release {
            return BatchDecision(action: .wait(until: release), expired: expired)
        }
        return BatchDecision(action: .run(cutBatch(now: now)), expired: expired)
    }

    /// When a batch that is not full may start, or nil when it may start now.
    private func delayedRelease() -> ContinuousClock.Instant? {
        guard limits.maxBatchDelay > .zero, !isShuttingDown else { return nil }
        let wouldFill = queuedItems >= limits.maxBatchItems || queuedTokens >= limits.maxBatchTokens
        guard !wouldFill, let oldest = order.first, let request = requests[oldest] else { return nil }
        return request.arrival + limits.maxBatchDelay
    }

    /// Takes items from the head of the queue, strictly in arrival order, until the next item would
    /// break the item cap or the token budget. An item over the budget on its own is taken only as
    /// the first of a batch, so it runs alone. Never skips ahead to a smaller item: no reordering.
    private mutating func cutBatch(now: ContinuousClock.Instant) -> Batch<Item> {
        var items: [Item] = []
        var tokenCounts: [Int] = []
        var queueWaits: [Duration] = []
        var slots: [ItemSlot] = []
        var tokens = 0
        while let id = order.first, let request = requests[id] {
            let itemRoom = limits.maxBatchItems - items.count
            let taken =
                requests[id]?.take(
                    itemRoom: itemRoom, tokenRoom: limits.maxBatchTokens - tokens, mayOverflow: items.isEmpty
                ) ?? 0..<0
            for index in taken {
                items.append(request.items[index])
                tokenCounts.append(request.tokenCounts[index])
                queueWaits.append(now - request.arrival)
                slots.append(ItemSlot(request: id, index: index))
                tokens += request.tokenCounts[index]
            }
            guard taken.upperBound == request.items.count else { break }
            order.removeFirst()
            dropStaleEntries()
        }
        precondition(!items.isEmpty, "cutBatch found nothing although \(queuedItems) items are queued")
        queuedItems -= items.count
        queuedTokens -= tokens
        runningItems += items.count
        batchesCut += 1
        let id = BatchID(rawValue: batchesCut)
        running[id] = slots
        return Batch(id: id, items: items, tokenCounts: tokenCounts, tokenCount: tokens, queueWaits: queueWaits)
    }
}
