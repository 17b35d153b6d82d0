// Deadline-aware admission: refuse at once (429 + Retry-After) a request that the engine cannot
// finish before its deadline, instead of computing part of it and answering 504 when time runs out.
//
// The estimate follows the round-robin policy (BatchQueue+Cutting.swift). A new request joins the
// back of the rotation, so before its last (n-th) item runs, every request queued now gets up to n
// turns: the first min(its queued items, n) of its items. Add the new request's own tokens and the
// batch the engine is running, and that is the work the engine does before the request completes,
// in tokens; `engineRate` turns it into seconds. Each request costs O(1) (prefix sums), so an
// estimate costs O(pending requests), which the queue bounds.
//
// Requests that arrive later also take turns ahead of the new request's later items, and this
// snapshot cannot see them: with clients that send their next request as soon as one completes
// (the mixed load of BatchQueueMixedLoadTests), the work actually done before a 64-item request
// completes is up to about 1.7 times the estimate. So the estimate must fit in half the time left
// (`deadlineHeadroom`); the rest also covers tokenization and the answer's journey, which happen
// outside the engine, and the lag of the measured rate behind a machine that just became busier.

/// What deadline-aware admission expects of a request, for tests and diagnostics.
public struct CompletionEstimate: Sendable, Equatable {
    /// Tokens the engine computes from now until the request's last item is done.
    public let tokens: Int
    /// The same in seconds, at the engine's current measured rate.
    public let seconds: Double
}

extension BatchQueue {
    /// The share of the time left before its deadline that a request's estimated completion may use.
    public static var deadlineHeadroom: Double { 0.5 }

    /// When a request with these token counts, admitted now, is expected to complete; nil when
    /// the queue has no engine rate (deadline-aware admission is off).
    public func completionEstimate(tokenCounts: [Int]) -> CompletionEstimate? {
        guard let engineRate else { return nil }
        let turns = tokenCounts.count
        var tokens = tokenCounts.reduce(0, +) + runningTokens
        for request in requests.values { tokens += request.tokensOfNextQueued(turns) }
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
        guard let estimate = completionEstimate(tokenCounts: tokenCounts) else { return nil }
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
