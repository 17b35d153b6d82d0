// Deadline pacing: a request spread over many batches still finishes before its deadline, however many
// single pairs pass through meanwhile. Round-robin turns alone give a long request one item per batch,
// so among 32 clients sending single pairs a 64-pair request needs 64 batches, more than a deadline
// of tens of seconds holds.
//
// Each request has a pace: its tokens spread evenly from its arrival to its pace end, three quarters
// of the way to its deadline (the last quarter is the margin for a slower engine than measured and
// for the batch running when its last items are cut). Before a batch's round-robin turns, requests a
// whole item or more behind their pace at the batch's expected end take items until they are less
// than one behind, earliest pace end first, within half of the batch's item cap and token budget;
// the turns then share the rest as before. A request the turns keep ahead of its pace is never paced,
// and a request of one item only at its pace end. Admission books each request's pace against half
// of the engine's measured rate (BatchQueue+Deadline.swift), so the paced items fit in that half and
// the turns always keep the other half of every batch. Finding the requests behind their pace costs
// O(pending requests) per batch.

/// The shares behind deadline pacing.
enum DeadlinePacing {
    /// How far from its arrival to its deadline a request's pace runs.
    static let windowShare = 0.75
    /// How much of each batch, and of the engine's rate, paced items may take.
    static let batchShare = 0.5
}

extension BatchQueue {
    /// Gives the requests a whole item behind their pace at the end of the batch being cut (`now` plus
    /// the engine time of a batch of what is queued) the items that catch them up, earliest pace end
    /// first, until `DeadlinePacing.batchShare` of the item cap or of the token budget is used; an item
    /// that does not fit ends the pacing for this batch (unless the batch is still empty), as it ends a
    /// turn.
    mutating func takePacedItems(into draft: inout BatchDraft, now: ContinuousClock.Instant) {
        let batchEnd = now + expectedBatchDuration
        var behind: [(paceEnd: ContinuousClock.Instant, id: RequestID)] = requests.compactMap { id, request in
            request.isBehindPace(at: batchEnd) ? (request.paceEnd, id) : nil
        }
        guard !behind.isEmpty else { return }
        behind.sort { ($0.paceEnd, $0.id) < ($1.paceEnd, $1.id) }
        let itemRoom = max(1, Int(Double(limits.maxBatchItems) * DeadlinePacing.batchShare))
        let tokenRoom = max(1, Int(Double(limits.maxBatchTokens) * DeadlinePacing.batchShare))
        for (_, id) in behind {
            while let request = requests[id], request.isBehindPace(at: batchEnd), let tokens = request.nextQueuedTokenCount {
                guard draft.items.isEmpty || (draft.items.count < itemRoom && draft.tokens + tokens <= tokenRoom) else {
                    return
                }
                take(from: id, into: &draft, now: now)
                // Its place in the rotation is now a stale entry, dropped when it reaches the head.
                if requests[id]?.queuedItems == 0 { staleInRotation += 1 }
            }
        }
    }

    /// How long the engine is expected to take over the next batch: the tokens of a batch cut from
    /// what is queued (within the item cap at the queued items' mean size, and the token budget) at the
    /// measured rate; zero without one.
    private var expectedBatchDuration: Duration {
        guard let engineRate, queuedItems > 0 else { return .zero }
        let meanItem = Double(queuedTokens) / Double(queuedItems)
        let tokens = min(Double(queuedTokens), Double(limits.maxBatchItems) * meanItem, Double(limits.maxBatchTokens))
        return .seconds(tokens * engineRate.secondsPerToken)
    }
}
