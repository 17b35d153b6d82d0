// The engine's cost per token, as deadline-aware admission sees it: a start-up measurement at first,
// then an exponentially weighted moving average over the batches the engine has finished, so the
// rate follows the machine (other processes' load, longer or shorter inputs) within a few batches.

/// Seconds the engine spends per token, kept current from measured batches.
public struct EngineRate: Sendable, Equatable {
    /// Weight of the newest batch. A fifth: about ten batches (a few seconds at saturation) carry most
    /// of the average, so one slow batch (a page fault, a preempted core) moves it only a little.
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

extension Duration {
    var secondsValue: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
