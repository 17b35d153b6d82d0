// The driver's machinery: the queue state machine behind one mutex, the engine thread's loop, and
// the alarm that expires deadlines and ends batch-delay waits. Every decision is the queue's; this
// file only locks, sleeps, calls the engine (outside the lock) and delivers results and events
// (outside the lock).
import Dispatch
import Foundation
import Synchronization

final class BatcherCore<Item: Sendable, Output: Sendable>: Sendable {
    typealias Engine = @Sendable ([Item]) throws -> [Output]
    typealias Observer = @Sendable (BatchingEvent, BatchQueueStats) -> Void
    typealias Completion = @Sendable (Result<[Output], BatchingError>) -> Void

    struct State: Sendable {
        var queue: BatchQueue<Item, Output>
        var completions: [RequestID: Completion] = [:]
        var alarm: (any BatchingAlarm)?
        var alarmSetFor: ContinuousClock.Instant?
        /// The engine thread is blocked on `wake` (or about to be); whoever clears this signals it.
        var engineSleeping = false
        /// Set while the engine sleeps in a `maxBatchDelay` wait.
        var engineWaitsUntil: ContinuousClock.Instant?
        var stopped = false
        var stopWaiters: [CheckedContinuation<Void, Never>] = []
        let observed: Bool
        /// Events not yet handed to the observer, in the order they happened, each with the stats
        /// right after it.
        var undeliveredEvents: [(BatchingEvent, BatchQueueStats)] = []
        /// Some thread is handing `undeliveredEvents` to the observer and will take any added meanwhile.
        var deliveringEvents = false
    }

    /// Work gathered under the lock and done after it is released.
    struct Outbox {
        var replies: [(Completion, Result<[Output], BatchingError>)] = []
        var events: [BatchingEvent] = []
        /// This thread must deliver the observer's events (see `deliverEvents`).
        var deliverEvents = false
        var wakeEngine = false
        var stopWaiters: [CheckedContinuation<Void, Never>] = []
    }

    enum Step {
        case run(Batch<Item>)
        case sleep
        case stop
    }

    let state: Mutex<State>
    let clock: any BatchingClock
    let engine: Engine
    let observer: Observer?
    /// Signalled once per cleared `engineSleeping`, so its count stays 0 or 1.
    let wake = DispatchSemaphore(value: 0)

    init(limits: BatchLimits, clock: any BatchingClock, observer: Observer?, engine: @escaping Engine) {
        state = Mutex(State(queue: BatchQueue(limits: limits), observed: observer != nil))
        self.clock = clock
        self.observer = observer
        self.engine = engine
    }

    /// Arms the alarm and starts the engine thread. Call once, right after init.
    func start() {
        let alarm = clock.makeAlarm { [weak self] in self?.alarmFired() }
        state.withLock { $0.alarm = alarm }
        let thread = Thread { [self] in runEngineLoop() }
        thread.name = "batching-engine"
        thread.start()
    }

    // MARK: Requests

    func enqueue(
        _ items: [Item], tokenCounts: [Int], deadline: ContinuousClock.Instant, checkingDeadline: Bool,
        completion: @escaping Completion
    ) -> RequestID? {
        var outbox = Outbox()
        let admission = state.withLock { state in
            let admission = state.queue.admit(
                items, tokenCounts: tokenCounts, deadline: deadline, now: clock.now,
                checkingDeadline: checkingDeadline)
            switch admission {
            case .admitted(let id):
                state.completions[id] = completion
                let tokens = tokenCounts.reduce(0, +)
                outbox.events.append(.admitted(id, items: items.count, tokens: tokens))
                state.wakeEngineIfSleeping(&outbox)
            case .rejected(let error):
                outbox.replies.append((completion, .failure(error)))
                outbox.events.append(.rejected(error))
            }
            state.settle(&outbox)
            return admission
        }
        deliver(outbox)
        guard case .admitted(let id) = admission else { return nil }
        return id
    }

    /// The queue's deadline-aware verdict on a request of these token counts, without queuing it.
    func deadlineRefusal(tokenCounts: [Int], deadline: ContinuousClock.Instant) -> BatchingError? {
        state.withLock { state in
            let now = clock.now
            if deadline <= now { return .deadlineExceeded }
            return state.queue.deadlineRefusal(tokenCounts: tokenCounts, deadline: deadline, now: now)
        }
    }

    func cancel(_ id: RequestID) {
        var outbox = Outbox()
        state.withLock { state in
            guard case .cancelled(let dropped, let running) = state.queue.cancel(id) else { return }
            state.reply(id, .failure(.cancelled), &outbox)
            outbox.events.append(.cancelled(id, droppedItems: dropped, runningItems: running))
            state.wakeEngineIfSleeping(&outbox)  // during shutdown this may have drained the queue
            state.settle(&outbox)
        }
        deliver(outbox)
    }

    func shutdown() {
        var outbox = Outbox()
        state.withLock { state in
            state.queue.beginShutdown()
            state.wakeEngineIfSleeping(&outbox)
            state.settle(&outbox)
        }
        deliver(outbox)
    }

    func waitUntilStopped() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let stopped = state.withLock { state in
                if !state.stopped { state.stopWaiters.append(continuation) }
                return state.stopped
            }
            if stopped { continuation.resume() }
        }
    }

    var stats: BatchQueueStats { state.withLock { $0.queue.stats } }

    // MARK: Alarm

    private func alarmFired() {
        var outbox = Outbox()
        state.withLock { state in
            state.alarmSetFor = nil
            state.expire(state.queue.expire(now: clock.now), &outbox)
            if let until = state.engineWaitsUntil, until <= clock.now { state.wakeEngineIfSleeping(&outbox) }
            if state.queue.isShuttingDown && state.queue.isIdle { state.wakeEngineIfSleeping(&outbox) }
            state.settle(&outbox)
        }
        deliver(outbox)
    }

    // MARK: Engine thread

    private func runEngineLoop() {
        while true {
            switch nextStep() {
            case .run(let batch): execute(batch)
            case .sleep: wake.wait()
            case .stop: return
            }
        }
    }

    private func nextStep() -> Step {
        var outbox = Outbox()
        let step = state.withLock { state -> Step in
            let decision = state.queue.nextBatch(now: clock.now)
            state.expire(decision.expired, &outbox)
            let step: Step
            switch decision.action {
            case .run(let batch):
                outbox.events.append(
                    .batchStarted(
                        batch.id, items: batch.items.count, tokens: batch.tokenCount, queueWaits: batch.queueWaits))
                step = .run(batch)
            case .wait(let until):
                state.engineSleeping = true
                state.engineWaitsUntil = until
                step = .sleep
            case .idle where state.queue.isShuttingDown && state.queue.isIdle:
                state.stop(&outbox)
                step = .stop
            case .idle:
                state.engineSleeping = true
                step = .sleep
            }
            state.settle(&outbox)
            return step
        }
        deliver(outbox)
        return step
    }

    private func execute(_ batch: Batch<Item>) {
        let started = clock.now
        let result = Result { try engine(batch.items) }
        let engineTime = clock.now - started
        var outbox = Outbox()
        state.withLock { state in
            let failure = state.finish(batch, result, &outbox)
            if failure == nil { state.queue.recordEngineTime(tokens: batch.tokenCount, engineTime: engineTime) }
            outbox.events.append(
                .batchFinished(
                    batch.id, items: batch.items.count, tokens: batch.tokenCount, engineTime: engineTime, error: failure
                ))
            state.settle(&outbox)
        }
        deliver(outbox)
    }

    private func deliver(_ outbox: Outbox) {
        if outbox.wakeEngine { wake.signal() }
        // Events before replies, so a client that has its answer finds its batch in the metrics.
        if outbox.deliverEvents { deliverEvents() }
        for (completion, result) in outbox.replies { completion(result) }
        for waiter in outbox.stopWaiters { waiter.resume() }
    }

    /// Hands events to the observer outside the lock but in the order they happened, so the last
    /// stats it sees are the current ones. One thread at a time delivers, taking what others add
    /// meanwhile; an observer that calls back into the batcher only adds to that list.
    private func deliverEvents() {
        guard let observer else { return }
        while true {
            let events = state.withLock { state in
                defer { state.undeliveredEvents = [] }
                if state.undeliveredEvents.isEmpty { state.deliveringEvents = false }
                return state.undeliveredEvents
            }
            if events.isEmpty { return }
            for (event, stats) in events { observer(event, stats) }
        }
    }
}
