// Deadline-aware admission: refuse at once (429 + Retry-After) a request that the engine cannot
// finish before its deadline, instead of computing part of it and answering 504 when time runs out.
//
// Admission books engine time. Every pending request's pace (BatchQueue+Pacing.swift) needs a rate:
// its queued tokens over the time to its pace end. Pacing may give paced items half of each batch, so
// the requests' rates together may use half of the engine's measured rate (`engineRate`): a new
// request is admitted when its own rate (its tokens over three quarters of the time to its deadline)
// fits in what the others leave of that half. Once admitted, a request's rate stays the same while it
// keeps its pace and only ends when it is done, so the booked rates stay within the half they were
// admitted against (unless the engine slows down, or single pairs are admitted beyond it, below), and
// every request's paced items fit in the paced half of the batches.
// The booking leans towards refusing: round-robin turns give requests more than their pace whenever
// batches have room, so most finish well before their pace end, yet each stays booked until it does.
//
// A single pair needs no booking to be on time: it completes in its first turn, after one turn of each
// request queued now (later arrivals join behind it), and the turns always have the other half of every
// batch. So it is also admitted when that round fits in the time its pace allows, even when the bookings
// are full (when the engine became slower than when they were made, say): heavy clients then cost single
// pairs some latency, never a refusal.
//
// What the model does not see: a machine that becomes busier than the measured rate says (followed
// within a few batches), the running batch's remainder, and the tokenization and the answer's journey,
// which happen outside the engine; the last quarter of the time to the deadline is their margin. A
// check costs O(pending requests), which the queue bounds; a refusal's Retry-After also sorts them.

extension BatchQueue {
    /// `deadlineUnreachable` when a request with these token counts, admitted now, would book more of
    /// the engine than the pending requests leave free and is not a single item whose first turn comes
    /// in time (see above); nil when it is admitted, or when deadline-aware admission is off (no
    /// `engineRate`). The Retry-After is the time until enough of the bookings have ended for the same
    /// request, with the same time to its deadline, to fit: at least 1 s and at most the time that was
    /// left.
    public func deadlineRefusal(
        tokenCounts: [Int], deadline: ContinuousClock.Instant, now: ContinuousClock.Instant
    ) -> BatchingError? {
        guard let engineRate else { return nil }
        let secondsLeft = (deadline - now).secondsValue
        let tokens = Double(tokenCounts.reduce(0, +))
        let window = secondsLeft * DeadlinePacing.windowShare
        let needed = tokens / window
        let bookable = DeadlinePacing.batchShare / engineRate.secondsPerToken
        let booked = requests.values.reduce(0) { $0 + $1.bookedRate(now: now) }
        guard booked + needed > bookable else { return nil }
        if tokenCounts.count == 1, secondsUntilFirstTurnDone(tokens: tokens, engineRate: engineRate) <= window {
            return nil
        }
        let wait = secondsUntilBookingFits(needed: needed, booked: booked, bookable: bookable, now: now)
        let retryAfter = min(max(wait.rounded(.up), 1), max(1, secondsLeft.rounded(.up)), Double(Int32.max))
        return .deadlineUnreachable(
            engineSeconds: tokens * engineRate.secondsPerToken,
            freeEngineSeconds: max(0, bookable - booked) * window * engineRate.secondsPerToken,
            secondsLeft: secondsLeft, retryAfterSeconds: Int(retryAfter))
    }

    /// Seconds until an item of `tokens` admitted now is computed through the turns alone: one turn of
    /// every request with items queued, then its own, in the half of each batch the turns keep.
    private func secondsUntilFirstTurnDone(tokens: Double, engineRate: EngineRate) -> Double {
        let round = requests.values.reduce(0) { $0 + ($1.nextQueuedTokenCount ?? 0) }
        return (Double(round) + tokens) * engineRate.secondsPerToken / (1 - DeadlinePacing.batchShare)
    }

    /// Seconds until the bookings that end first have freed enough rate for `needed` to fit, or
    /// infinity when it does not fit even in an idle engine.
    private func secondsUntilBookingFits(needed: Double, booked: Double, bookable: Double, now: ContinuousClock.Instant)
        -> Double
    {
        guard needed <= bookable else { return .infinity }
        let endings = requests.values.map { (end: $0.bookingEnd(now: now), rate: $0.bookedRate(now: now)) }
            .filter { $0.rate > 0 }.sorted { $0.end < $1.end }
        var stillBooked = booked
        for ending in endings {
            stillBooked -= ending.rate
            if stillBooked + needed <= bookable { return (ending.end - now).secondsValue }
        }
        return 0
    }

    /// Folds a finished batch's engine time into `engineRate` (no-op when admission is off).
    public mutating func recordEngineTime(tokens: Int, engineTime: Duration) {
        engineRate?.observe(tokens: tokens, engineTime: engineTime)
    }
}
