// The engine's cost per token, as deadline-aware admission sees it: a start-up measurement at first,
// then an exponentially weighted moving average over the batches the engine has finished, so the
// estimate follows the machine (other processes' load, longer or shorter inputs) within a few batches.

/// Seconds the engine spends per token, kept current from measured batches.
public struct EngineRate: Sendable, Equatable {
    /// Weight of the newest batch. A fifth: about ten batches (a few seconds at saturation) carry most
    /// of the estimate, so one slow batch (a page fault, a preempted core) moves it only a little.
    public static let newestBatchWeight = 0.2

    public private(set) var secondsPerToken: Double

    /// `secondsPerToken` must be positive and finite (`BatchLimits.problems` checks the seed).
    public init(secondsPerToken: Double) {
        precondition(secondsPerToken.isFinite && secondsPerToken > 0, "bad seconds per token \(secondsPerToken)")
        self.secondsPerToken = secondsPerToken
    }

    /// Folds in one finished batch. Batches without tokens say nothing about the rate and are skipped,
    /// as is a time of zero (a clock that did not move cannot make the engine free).
    public mutating func observe(tokens: Int, engineTime: Duration) {
        let seconds = engineTime.secondsValue
        guard tokens > 0, seconds > 0, seconds.isFinite else { return }
        let observed = seconds / Double(tokens)
        secondsPerToken += Self.newestBatchWeight * (observed - secondsPerToken)
    }
}

/// How much of each batch goes to requests entering and leaving within it (single pairs, small lists):
/// their tokens over the batch's room in tokens (its token budget, or its item cap at the batch's mean
/// item size, whichever is smaller), an exponentially weighted moving average over cut batches (same
/// weight as `EngineRate`). Such requests keep arriving while a longer one waits, each taking its turn
/// ahead of the longer one's later items; the longer requests share the rest of each batch. Measured
/// against the room, not the engine's time, because closed-loop clients fill an engine that has
/// nothing else to do but still leave a newcomer the room they do not use. Read as fading once no
/// batch has been cut for longer than the usual interval, so a quiet spell clears it.
public struct PassingShare: Sendable, Equatable {
    /// Never above this: a long request in the rotation still gets about one item of each batch
    /// however many requests pass through (the estimate divides by what is left, 1 - share, which
    /// then stretches its later rounds by up to the item cap).
    static func ceiling(_ limits: BatchLimits) -> Double { 1 - 1 / Double(max(limits.maxBatchItems, 2)) }

    private var measured = 0.0
    private var lastCut: ContinuousClock.Instant?
    private var usualInterval = Duration.zero

    public init() {}

    /// The share now: the measured one, scaled down by how much longer than the usual interval
    /// between batches the engine has now gone without one.
    public func share(now: ContinuousClock.Instant) -> Double {
        guard let lastCut else { return 0 }
        let since = (now - lastCut).secondsValue
        let usual = usualInterval.secondsValue
        guard since > usual, since > 0 else { return measured }
        return measured * usual / since
    }

    /// Records a batch cut at `now` holding `tokens` in `items` items, `passing` tokens of them of
    /// requests wholly in it, under `limits`.
    mutating func observe(passing: Int, tokens: Int, items: Int, limits: BatchLimits, now: ContinuousClock.Instant) {
        if let lastCut { usualInterval = max(.zero, now - lastCut) }
        lastCut = now
        guard tokens > 0, items > 0 else { return }
        let room = min(Double(limits.maxBatchTokens), Double(limits.maxBatchItems) * Double(tokens) / Double(items))
        let observed = min(1, Double(passing) / room)
        measured = min(Self.ceiling(limits), measured + EngineRate.newestBatchWeight * (observed - measured))
    }
}

extension Duration {
    var secondsValue: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
