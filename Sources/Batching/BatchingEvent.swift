// What the batcher tells its observer, for the service's metrics. Values only; the module has no
// metrics dependency.

/// One thing that happened in the `Batcher`. Delivered to the observer outside every lock, one at a
/// time and in the order they happened, on whichever batcher thread is delivering (a submitter, a
/// canceller, the alarm or the engine thread).
public enum BatchingEvent: Sendable {
    /// A request was queued.
    case admitted(RequestID, items: Int, tokens: Int)
    /// A request was refused at admission (`overloaded`, `requestTooLarge`, `invalidRequest`,
    /// `deadlineExceeded`, `shuttingDown`).
    case rejected(BatchingError)
    /// A request's deadline passed before it completed; `BatchingError.deadlineExceeded` was sent.
    case expired(RequestID)
    /// A request was cancelled while pending; `droppedItems` never reached the engine.
    case cancelled(RequestID, droppedItems: Int, runningItems: Int)
    /// The engine started a batch; `queueWaits` holds each item's time from admission to now.
    case batchStarted(BatchID, items: Int, tokens: Int, queueWaits: [Duration])
    /// The engine finished a batch; `error` is set when it failed (every request with an item in
    /// it then failed with `engineFailed`).
    case batchFinished(BatchID, items: Int, tokens: Int, engineTime: Duration, error: (any Error)?)
}
