// The batcher's one error type: why a submitted request produced no outputs. The service maps each
// case to an HTTP status; this module knows nothing of HTTP.

/// Why a request submitted to the batcher ended without outputs.
public enum BatchingError: Error {
    /// The queue is at its item or token bound right now (the service answers 429); nothing already
    /// admitted was dropped to make room.
    case overloaded
    /// The request alone is bigger than the queue's bounds, so it could never be admitted (413).
    case requestTooLarge(items: Int, tokens: Int)
    /// The submission is malformed: no items, or token counts that do not match the items.
    case invalidRequest(String)
    /// At admission, the request needs `engineSeconds` of engine time before its deadline (`secondsLeft`
    /// away) and the requests already admitted leave only `freeEngineSeconds` of it; it was refused at
    /// once rather than computed in part and then timed out (429). `retryAfterSeconds` (at least 1, at
    /// most the time that was left) is when enough of the engine is expected to be free again.
    case deadlineUnreachable(engineSeconds: Double, freeEngineSeconds: Double, secondsLeft: Double, retryAfterSeconds: Int)
    /// The request's deadline passed before all of its items were computed (504).
    case deadlineExceeded
    /// The request was cancelled (its client went away); its queued items were dropped.
    case cancelled
    /// The engine failed on a batch holding some of this request's items.
    case engineFailed(any Error)
    /// The batcher is shutting down and admits nothing new (503).
    case shuttingDown
}

/// The engine returned a different number of outputs than the batch had items; every request in the
/// batch fails with `BatchingError.engineFailed(EngineOutputCountMismatch)`.
public struct EngineOutputCountMismatch: Error, Equatable {
    public let expected: Int
    public let got: Int

    public init(expected: Int, got: Int) {
        self.expected = expected
        self.got = got
    }
}
