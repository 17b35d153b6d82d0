// The values the queue state machine takes and returns. Plain data: no behaviour beyond naming.

/// Identifies an admitted request. Assigned by the queue in admission order and never reused.
public struct RequestID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "request-\(rawValue)" }
}

/// Identifies a batch handed to the engine. Assigned by the queue and never reused.
public struct BatchID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { "batch-\(rawValue)" }
}

/// The answer to `BatchQueue.admit`: all of the request's items were queued, or none were.
public enum Admission: Sendable {
    case admitted(RequestID)
    case rejected(BatchingError)
}

/// Items cut from the queue for one engine run, in the order their requests' turns came: requests
/// interleave, and each request's items appear in its own item order.
public struct Batch<Item> {
    public let id: BatchID
    public let items: [Item]
    public let tokenCounts: [Int]
    /// Sum of `tokenCounts`.
    public let tokenCount: Int
    /// For each item, the time from its request's admission to the start of this batch.
    public let queueWaits: [Duration]
}

extension Batch: Sendable where Item: Sendable {}

/// What `BatchQueue.nextBatch` tells a free engine to do, plus the requests whose deadline passed.
public struct BatchDecision<Item> {
    public enum Action {
        /// Run this batch, then report it with `complete` or `fail`.
        case run(Batch<Item>)
        /// Work is queued but the batch is not full and `maxBatchDelay` has not passed for its oldest
        /// item: ask again at `until`, or sooner if more work arrives.
        case wait(until: ContinuousClock.Instant)
        /// Nothing is queued.
        case idle
    }

    public let action: Action
    /// Requests that expired (deadline passed) during this call; each is reported exactly once,
    /// here or by `expire`, and the service answers them with a timeout.
    public let expired: [RequestID]
}

extension BatchDecision: Sendable where Item: Sendable {}
extension BatchDecision.Action: Sendable where Item: Sendable {}

/// The answer to `BatchQueue.cancel`.
public enum CancelOutcome: Equatable, Sendable {
    /// The request was pending: `droppedItems` were removed from the queue unseen by the engine, and
    /// the results of `runningItems` (already in a batch) will be discarded.
    case cancelled(droppedItems: Int, runningItems: Int)
    /// The request had already completed, failed, expired or been cancelled (or never existed).
    case notPending
}

/// A request all of whose items have outputs, in the request's item order.
public struct CompletedRequest<Output> {
    public let id: RequestID
    public let outputs: [Output]
}

extension CompletedRequest: Sendable where Output: Sendable {}

/// Gauges for the service's metrics, read at any time.
public struct BatchQueueStats: Equatable, Sendable {
    /// Items waiting in the queue (not yet in a batch).
    public var queuedItems = 0
    /// Tokens of the waiting items.
    public var queuedTokens = 0
    /// Requests admitted and not yet finished (queued, running, or partly both).
    public var pendingRequests = 0
    /// Batches handed to the engine and not yet completed or failed.
    public var runningBatches = 0
    /// Items in those batches.
    public var runningItems = 0

    public init() {}
}
