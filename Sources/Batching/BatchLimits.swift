// The batcher's limits, in one documented struct. Validation reports problems; it never clamps.

/// How batches are cut and how much the queue may hold.
public struct BatchLimits: Sendable, Equatable {
    /// Most items in one batch (`--max-batch-pairs`). Waiting requests share this room, one item per
    /// request per turn, so a large request cannot hold back the ones queued after it.
    public var maxBatchItems: Int
    /// Most tokens in one batch, summed over its items (`--max-batch-tokens`), shared in the same turns.
    /// A single item larger than this still runs, alone, so nothing starves.
    public var maxBatchTokens: Int
    /// How long a batch that is not full may wait for more items once the engine is free
    /// (`--max-batch-delay`). Zero, the default, starts work as soon as the engine is free.
    public var maxBatchDelay: Duration
    /// Most items waiting in the queue (items handed to the engine no longer count).
    public var maxQueuedItems: Int
    /// Most tokens waiting in the queue. A request bigger than either queue bound on its own is
    /// rejected as `requestTooLarge`, even when the queue is empty: the bounds are hard.
    public var maxQueuedTokens: Int
    /// The engine's seconds per token as measured at start-up: the first value of the rate that
    /// deadline-aware admission books against (BatchQueue+Deadline.swift), which then follows each
    /// batch's measured time. nil turns that admission off; the queue bounds above still apply.
    public var engineSecondsPerToken: Double?

    public init(
        maxBatchItems: Int = 32,
        maxBatchTokens: Int = 4096,
        maxBatchDelay: Duration = .zero,
        maxQueuedItems: Int = 1024,
        maxQueuedTokens: Int = 131_072,
        engineSecondsPerToken: Double? = nil
    ) {
        self.maxBatchItems = maxBatchItems
        self.maxBatchTokens = maxBatchTokens
        self.maxBatchDelay = maxBatchDelay
        self.maxQueuedItems = maxQueuedItems
        self.maxQueuedTokens = maxQueuedTokens
        self.engineSecondsPerToken = engineSecondsPerToken
    }

    /// Everything wrong with these limits, for the CLI's `validate()`; empty when they are usable.
    public var problems: [String] {
        var problems: [String] = []
        if maxBatchItems < 1 { problems.append("maxBatchItems must be at least 1, got \(maxBatchItems)") }
        if maxBatchTokens < 1 { problems.append("maxBatchTokens must be at least 1, got \(maxBatchTokens)") }
        if maxBatchDelay < .zero { problems.append("maxBatchDelay must not be negative, got \(maxBatchDelay)") }
        if maxQueuedItems < 1 { problems.append("maxQueuedItems must be at least 1, got \(maxQueuedItems)") }
        if maxQueuedTokens < 1 { problems.append("maxQueuedTokens must be at least 1, got \(maxQueuedTokens)") }
        if let seconds = engineSecondsPerToken, !(seconds.isFinite && seconds > 0) {
            problems.append("engineSecondsPerToken must be positive and finite, got \(seconds)")
        }
        return problems
    }
}
