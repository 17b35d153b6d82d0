// Deadline-aware admission: refuse at once (429 + Retry-After) a request that the engine cannot
// finish before its deadline, instead of computing part of it and answering 504 when time runs out.
//
// The estimate follows the round-robin policy (BatchQueue+Cutting.swift). A new request of n items
// joins the back of the rotation, so before its last item runs the engine computes: the batch it is
// running; the first round, one turn of every request queued now and the new request's first item;
// then the later rounds, up to n - 1 more turns of each queued request (the next min(its queued
// items, n) of its items) and the rest of the new request's items; and the turns cut into the same
// batch as its last item (as much as the running batch, or a batch of what is queued). Requests
// that arrive meanwhile and pass through in one batch (single pairs, small lists) take their turns
// ahead of those later rounds too: they are not queued yet, but the share of each batch they have
// recently taken (`passingShare`) is not the new request's, so the later rounds are divided by what
// is left (1 - share). A request that has already spanned batches stands for a client that sends
// its next long request when this one completes: it is counted for all n - 1 later rounds at its
// mean item size, not only for the items it has left. That is the work before the request
// completes, in tokens; `engineRate` turns it into seconds. Each queued request costs O(1) (prefix
// sums), so an estimate costs O(pending requests), which the queue bounds.
//
// The estimate is still a model: other long requests admitted later, a machine that just became
// busier than the measured rate says, and the tokenization and the answer's journey, which happen
// outside the engine, are not in it. In the closed-loop mixed load of BatchQueueMixedLoadTests the
// work actually done before a request completes stays within 1.12 times its estimate (about half of
// it for most long requests: the model errs towards refusing), so the estimate must fit in three
// quarters of the time left (`deadlineHeadroom`).

/// What deadline-aware admission expects of a request, for tests and diagnostics.
public struct CompletionEstimate: Sendable, Equatable {
    /// Tokens the engine computes from now until the request's last item is done.
    public let tokens: Int
    /// The same in seconds, at the engine's current measured rate.
    public let seconds: Double
}

extension BatchQueue {
    /// The share of the time left before its deadline that a request's estimated completion may use.
    public static var deadlineHeadroom: Double { 0.75 }

    /// When a request with these token counts, admitted now, is expected to complete; nil when
    /// the queue has no engine rate (deadline-aware admission is off).
    public func completionEstimate(tokenCounts: [Int], now: ContinuousClock.Instant) -> CompletionEstimate? {
        guard let engineRate else { return nil }
        let turns = tokenCounts.count
        var firstRound = tokenCounts.first ?? 0
        var laterRounds = tokenCounts.reduce(0, +) - firstRound
        for request in requests.values {
            let first = request.tokensOfNextQueued(1)
            firstRound += first
            if request.spansBatches {
                // A long request's client sends its next one when this one completes: its turns go on.
                laterRounds += (turns - 1) * request.totalTokens / request.items.count
            } else {
                laterRounds += request.tokensOfNextQueued(turns) - first
            }
        }
        let stretched = (Double(laterRounds) / (1 - passingShare.share(now: now))).rounded(.up)
        // Its last item's batch also holds the turns after it, of requests queued now or by then: as
        // much as the batch running now, or a batch of what is queued, within the token budget.
        let meanQueued = queuedItems > 0 ? Double(queuedTokens) / Double(queuedItems) : 0
        let queuedBatch = min(Double(queuedTokens), Double(limits.maxBatchItems) * meanQueued)
        let batchTail = min(Double(limits.maxBatchTokens), max(Double(runningTokens), queuedBatch))
        let tokens = runningTokens + firstRound + Int(min(stretched + batchTail.rounded(.up), Double(Int.max / 4)))
        return CompletionEstimate(tokens: tokens, seconds: Double(tokens) * engineRate.secondsPerToken)
    }

    /// `deadlineUnreachable` when a request with these token counts, admitted now, is not expected
    /// to complete within `deadlineHeadroom` of the time left before `deadline`; nil when it is, or
    /// when deadline-aware admission is off. The Retry-After is the engine time the estimate exceeds
    /// that share by (what the engine must first get through), at least 1 s and at most the time
    /// that was left.
    public func deadlineRefusal(
        tokenCounts: [Int], deadline: ContinuousClock.Instant, now: ContinuousClock.Instant
    ) -> BatchingError? {
        guard let estimate = completionEstimate(tokenCounts: tokenCounts, now: now) else { return nil }
        let secondsLeft = (deadline - now).secondsValue
        let allowed = secondsLeft * Self.deadlineHeadroom
        guard estimate.seconds > allowed else { return nil }
        let excess = (estimate.seconds - allowed).rounded(.up)
        let ceiling = max(1, secondsLeft.rounded(.up))
        let retryAfter = Int(min(max(excess, 1), min(ceiling, Double(Int32.max))))
        return .deadlineUnreachable(
            estimatedSeconds: estimate.seconds, secondsLeft: secondsLeft, retryAfterSeconds: retryAfter)
    }

    /// Folds a finished batch's engine time into `engineRate` (no-op when admission is off).
    public mutating func recordEngineTime(tokens: Int, engineTime: Duration) {
        engineRate?.observe(tokens: tokens, engineTime: engineTime)
    }
}
