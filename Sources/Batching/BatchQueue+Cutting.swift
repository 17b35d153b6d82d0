// Deciding what a free engine does next: expire overdue requests, then run a batch cut fairly from
// every request with queued items, wait for a fuller batch (only with a maxBatchDelay), or idle.
//
// A batch first gives requests behind their deadline pace the items that catch them up, within half
// the batch (BatchQueue+Pacing.swift); round-robin turns by item share the rest. Requests take turns
// in the order of `rotation`; a turn hands the request's next item to the batch and sends the request
// to the back of the rotation if it has more queued, where newly admitted requests join too. So before
// each of its items a request waits for at most one item of every other waiting request, besides the
// paced ones, however large those requests are, and since the rotation carries over from batch to batch
// no request is favoured forever. A batch ends at the first turn whose item would break the item cap or
// the token budget; that request keeps the head and opens the next batch, where its item always fits
// (one over the budget runs first, and then nothing fits after it), so nothing starves. Turns cost
// O(items in the batch), amortised.

extension BatchQueue {
    /// Call whenever the engine is free. Expires overdue requests first (reported in `expired`), so
    /// no item of a request whose deadline is at or before `now` is in the batch; then: `.idle` when
    /// nothing is queued; `.wait(until:)` when `maxBatchDelay` is positive, the queue is not shutting
    /// down, the queued work would not fill a batch and the oldest queued item arrived less than the
    /// delay ago; otherwise `.run` with a batch of paced items and turns.
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
        guard !wouldFill else { return nil }
        // The head of the rotation need not be the oldest request, so look at all of them. Each live
        // entry has an item queued, so there are fewer than maxBatchItems (plus bounded stale ones):
        // no dearer than cutting the batch.
        let oldest = rotation.lazy.compactMap { self.requests[$0] }.filter { $0.queuedItems > 0 }.map(\.arrival).min()
        return oldest.map { $0 + limits.maxBatchDelay }
    }

    /// Gives requests behind their pace their items, then turns from the head of the rotation until
    /// the batch holds `maxBatchItems` items, the next turn's item would break the token budget, or
    /// nothing is left queued.
    private mutating func cutBatch(now: ContinuousClock.Instant) -> Batch<Item> {
        var draft = BatchDraft()
        takePacedItems(into: &draft, now: now)
        dropStaleEntries()
        while draft.items.count < limits.maxBatchItems, let id = rotation.first,
            takeTurn(of: id, into: &draft, now: now)
        {}
        precondition(!draft.items.isEmpty, "cutBatch found nothing although \(queuedItems) items are queued")
        queuedItems -= draft.items.count
        queuedTokens -= draft.tokens
        runningItems += draft.items.count
        batchesCut += 1
        let id = BatchID(rawValue: batchesCut)
        running[id] = draft.slots
        return Batch(
            id: id, items: draft.items, tokenCounts: draft.tokenCounts, tokenCount: draft.tokens,
            queueWaits: draft.queueWaits)
    }

    /// The turn of `id`, the head of the rotation: its next item joins the batch if it fits the
    /// token budget or the batch is still empty, and the request moves to the back of the rotation
    /// if it has more items queued. Returns false, leaving the request at the head, when it does not
    /// fit; the batch then ends rather than looking further for a smaller item, which keeps the cost
    /// per batch to the items it holds and leaves less of the budget unused than that item needs.
    private mutating func takeTurn(of id: RequestID, into draft: inout BatchDraft, now: ContinuousClock.Instant)
        -> Bool
    {
        guard let tokens = requests[id]?.nextQueuedTokenCount else {
            preconditionFailure("\(id) heads the rotation with no item queued")
        }
        guard draft.items.isEmpty || draft.tokens + tokens <= limits.maxBatchTokens else { return false }
        take(from: id, into: &draft, now: now)
        rotation.removeFirst()
        if requests[id]?.queuedItems ?? 0 > 0 { rotation.append(id) }
        dropStaleEntries()
        return true
    }

    /// Moves the next queued item of `id` into the batch being cut.
    mutating func take(from id: RequestID, into draft: inout BatchDraft, now: ContinuousClock.Instant) {
        guard var request = requests[id] else { preconditionFailure("\(id) is not pending") }
        let index = request.takeNext()
        requests[id] = request
        let tokens = request.tokenCounts[index]
        draft.items.append(request.items[index])
        draft.tokenCounts.append(tokens)
        draft.queueWaits.append(now - request.arrival)
        draft.slots.append(ItemSlot(request: id, index: index))
        draft.tokens += tokens
    }

    /// A batch being cut: its items in the order their turns came, and where each came from.
    struct BatchDraft {
        var items: [Item] = []
        var tokenCounts: [Int] = []
        var queueWaits: [Duration] = []
        var slots: [ItemSlot] = []
        var tokens = 0
    }
}
