// Start-up's warm-up passes, the second timed: the first request then does not pay for first-touch page faults
// and BLAS set-up, and the measured rate sets how many tokens one request may ask for.
import Tokenizer

enum EngineCalibration {
    /// A share of the request timeout: the rate is measured on short sequences (long ones cost more
    /// per token, attention being quadratic), and a request also waits behind others' batches.
    static let deadlineShare = 0.25

    /// A short pass that touches every weight page, then a timed one of ~200 tokens; returns real
    /// tokens per second of the timed pass. A model that ran a full pass while loading (int8's
    /// calibration, ~0.15 s of start-up shorter this way) gives that pass's rate instead: it touched
    /// every weight, and its rate, quantisation included, errs low, which only tightens the first
    /// admissions until the batcher has measured real batches.
    static func warmUp(_ model: any ScoringModel) throws -> Double {
        if let rate = model.tokensPerSecondMeasuredAtLoad, rate.isFinite, rate > 0 { return rate }
        let first = try model.encode(prompt: "warm-up", response: "warm-up", truncate: true, stopIf: { false })
        _ = try model.rawLogits([first])
        let text = String(repeating: "warm up ", count: 32)
        let encoding = try model.encode(prompt: text, response: text, truncate: true, stopIf: { false })
        let start = ContinuousClock.now
        _ = try model.rawLogits([encoding])
        let seconds = max((ContinuousClock.now - start).seconds, 1e-6)
        return Double(encoding.ids.count) / seconds
    }

    /// The most tokens a request may hold: what `tokensPerSecond` computes in the deadline's share,
    /// never less than one pair of the model's longest input.
    static func maxRequestTokens(
        tokensPerSecond: Double, requestTimeout: Duration, maxInputLength: Int
    ) -> Int {
        let budget = tokensPerSecond * requestTimeout.seconds * deadlineShare
        guard budget.isFinite, budget < Double(Int.max / 2) else { return Int.max / 2 }
        return max(maxInputLength, Int(budget))
    }
}
