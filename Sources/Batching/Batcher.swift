// The batcher the service uses: submit a request's items, get its outputs back in item order, or a
// BatchingError. One dedicated engine thread runs the engine closure on batches the queue state
// machine cuts; this type owns that thread's lifetime and the async/cancellation plumbing only.
import Synchronization

/// Batches items from concurrent requests into one engine.
///
/// A dedicated `Thread` (not a Dispatch or Swift-concurrency worker, so a long engine call never
/// starves other work) runs `engine` whenever the queue has work and the previous batch is done;
/// it sleeps until work arrives, a `maxBatchDelay` wait ends, or shutdown. Each batch's room is
/// shared among all waiting requests, one item per request per turn, so a small request sent just
/// after a large one runs in one of the next batches instead of after all of the large one.
/// Deadlines are enforced by an alarm, so a request times out on time even while the engine is busy
/// with a long batch, and no item of an expired request is handed to the engine afterwards.
/// The engine closure, result delivery and the observer all run outside the batcher's lock.
public final class Batcher<Item: Sendable, Output: Sendable>: Sendable {
    /// Computes one output per item, in order. Throwing fails every request with an item in the batch.
    public typealias Engine = @Sendable ([Item]) throws -> [Output]
    /// Receives each event with the queue's stats right after it (for gauges such as queue depth).
    /// Events arrive one at a time, in the order they happened, outside the batcher's lock; keep the
    /// observer quick (it may run on the engine thread).
    public typealias Observer = @Sendable (BatchingEvent, BatchQueueStats) -> Void

    public let limits: BatchLimits
    private let core: BatcherCore<Item, Output>

    /// Starts the engine thread. `limits` must have no `problems`.
    public init(
        limits: BatchLimits,
        clock: any BatchingClock = SystemBatchingClock(),
        observer: Observer? = nil,
        engine: @escaping Engine
    ) {
        self.limits = limits
        core = BatcherCore(limits: limits, clock: clock, observer: observer, engine: engine)
        core.start()
    }

    /// A batcher nobody references can get no new work: let the thread drain and exit.
    deinit { core.shutdown() }

    public var stats: BatchQueueStats { core.stats }

    /// The engine's measured cost per token behind deadline-aware admission; nil when that is off.
    public var engineRate: EngineRate? { core.state.withLock { $0.queue.engineRate } }

    /// Queues `items` (with `tokenCounts[i]` tokens for `items[i]`) and returns one output per item,
    /// in order. Throws `overloaded`, `requestTooLarge`, `invalidRequest`, `shuttingDown` or (when
    /// `limits.engineSecondsPerToken` is set and `checkingDeadline`) `deadlineUnreachable` at once,
    /// `deadlineExceeded` when `deadline` passes first, `cancelled` when the calling task is
    /// cancelled (its queued items are dropped before compute), or `engineFailed`. A request fed in
    /// parts is booked whole with `checkDeadline` and its parts submitted with
    /// `checkingDeadline: false`, so it is not refused half computed.
    public func submit(
        _ items: [Item], tokenCounts: [Int], deadline: ContinuousClock.Instant, checkingDeadline: Bool = true
    ) async throws(BatchingError) -> [Output] {
        if Task.isCancelled { throw .cancelled }
        let ticket = CancellationTicket()
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation {
                (continuation: CheckedContinuation<Result<[Output], BatchingError>, Never>) in
                let id = core.enqueue(
                    items, tokenCounts: tokenCounts, deadline: deadline, checkingDeadline: checkingDeadline
                ) { result in
                    continuation.resume(returning: result)
                }
                if let id, !ticket.admitted(id) { core.cancel(id) }
            }
        } onCancel: {
            if let id = ticket.cancel() { core.cancel(id) }
        }
        return try result.get()
    }

    /// Completion-handler form of `submit`, for callers outside Swift concurrency. `completion` runs
    /// exactly once, possibly before this returns (on rejection) and on any thread. Returns the id to
    /// pass to `cancel`, or nil when the request was rejected.
    @discardableResult
    public func enqueue(
        _ items: [Item],
        tokenCounts: [Int],
        deadline: ContinuousClock.Instant,
        completion: @escaping @Sendable (Result<[Output], BatchingError>) -> Void
    ) -> RequestID? {
        core.enqueue(items, tokenCounts: tokenCounts, deadline: deadline, checkingDeadline: true, completion: completion)
    }

    /// Throws what deadline-aware admission would refuse a request of these token counts with now
    /// (`deadlineUnreachable`, or `deadlineExceeded` when the deadline has passed), queuing nothing:
    /// for a request that will be submitted in parts, to decide for the whole of it first.
    public func checkDeadline(tokenCounts: [Int], deadline: ContinuousClock.Instant) throws(BatchingError) {
        if let refusal = core.deadlineRefusal(tokenCounts: tokenCounts, deadline: deadline) { throw refusal }
    }

    /// Cancels a pending request (its client disconnected): its queued items are dropped, outputs of
    /// items already running are discarded, and it completes with `cancelled`. No-op once finished.
    public func cancel(_ id: RequestID) { core.cancel(id) }

    /// Stops admission (`shuttingDown` from now on) and lets queued work run without batch-delay
    /// waits; the engine thread exits once the queue is drained. Returns at once; idempotent.
    public func shutdown() { core.shutdown() }

    /// Returns once the engine thread has drained the queue and exited (after `shutdown`).
    public func waitUntilStopped() async { await core.waitUntilStopped() }

    /// `shutdown()`, then waits until every admitted request has finished and the thread has exited.
    public func drain() async {
        shutdown()
        await waitUntilStopped()
    }
}

/// Closes the race between a task's cancellation and its request's admission: whichever of the two
/// comes second cancels the request.
final class CancellationTicket: Sendable {
    private enum State {
        case waiting
        case admitted(RequestID)
        case cancelled
    }

    private let state = Mutex(State.waiting)

    /// Records the admitted id; false when the task was cancelled first (the caller cancels `id`).
    func admitted(_ id: RequestID) -> Bool {
        state.withLock { state in
            guard case .waiting = state else { return false }
            state = .admitted(id)
            return true
        }
    }

    /// Records cancellation; returns the id to cancel when the request was already admitted.
    func cancel() -> RequestID? {
        state.withLock { state in
            defer { state = .cancelled }
            guard case .admitted(let id) = state else { return nil }
            return id
        }
    }
}
