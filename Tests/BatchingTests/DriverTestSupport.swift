// Fakes for the Batcher tests (the manual clock is TestSupport's): a recording engine that can hold batches until the test releases them, and an event log that
// async tests can wait on instead of sleeping.
import Batching
import Dispatch
import Synchronization
import TestSupport

struct PoisonedItem: Error {}

/// Records every batch it is given; while `holding`, each batch blocks until `release()`.
/// Items with `index == 99` make it throw; `dropLastOutput` makes it return one output too few.
final class RecordingEngine: Sendable {
    private let state = Mutex((batches: [[Tag]](), holding: false, dropLastOutput: false))
    private let gate = DispatchSemaphore(value: 0)

    init(holding: Bool = false) { state.withLock { $0.holding = holding } }

    var batches: [[Tag]] { state.withLock { $0.batches } }
    var computedItems: [Tag] { batches.flatMap { $0 } }

    func release() {
        state.withLock { $0.holding = false }
        gate.signal()
    }

    func dropLastOutput() { state.withLock { $0.dropLastOutput = true } }

    func run(_ items: [Tag]) throws -> [String] {
        let (holding, dropLast) = state.withLock { state in
            state.batches.append(items)
            return (state.holding, state.dropLastOutput)
        }
        if holding { gate.wait() }
        if items.contains(where: { $0.index == 99 }) { throw PoisonedItem() }
        let outputs = items.map(\.output)
        return dropLast ? Array(outputs.dropLast()) : outputs
    }
}

/// Keeps the observer's events; tests await a condition on them instead of sleeping.
final class EventLog: Sendable {
    typealias Condition = @Sendable ([BatchingEvent]) -> Bool
    private let state = Mutex(
        (
            events: [BatchingEvent](), lastStats: BatchQueueStats?.none,
            waiters: [(Condition, CheckedContinuation<Void, Never>)]()
        ))

    var events: [BatchingEvent] { state.withLock { $0.events } }
    /// The stats that came with the latest event.
    var lastStats: BatchQueueStats? { state.withLock { $0.lastStats } }

    func record(_ event: BatchingEvent, _ stats: BatchQueueStats) {
        let ready = state.withLock { state in
            state.events.append(event)
            state.lastStats = stats
            let events = state.events
            let ready = state.waiters.filter { $0.0(events) }.map(\.1)
            state.waiters.removeAll { $0.0(events) }
            return ready
        }
        for waiter in ready { waiter.resume() }
    }

    func wait(until condition: @escaping Condition) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let met = state.withLock { state in
                if condition(state.events) { return true }
                state.waiters.append((condition, continuation))
                return false
            }
            if met { continuation.resume() }
        }
    }

    func waitForAdmissions(_ count: Int) async {
        await wait { $0.count(where: \.isAdmission) >= count }
    }

    func waitForBatchStarts(_ count: Int) async {
        await wait { $0.count(where: \.isBatchStart) >= count }
    }
}

extension BatchingEvent {
    var isAdmission: Bool {
        guard case .admitted = self else { return false }
        return true
    }

    var isBatchStart: Bool {
        guard case .batchStarted = self else { return false }
        return true
    }
}

/// A batcher over the recording engine with its events logged.
func makeBatcher(
    _ engine: RecordingEngine,
    log: EventLog = EventLog(),
    clock: any BatchingClock = SystemBatchingClock(),
    limits: BatchLimits = BatchLimits(maxBatchItems: 64, maxBatchTokens: 10_000)
) -> Batcher<Tag, String> {
    Batcher(limits: limits, clock: clock, observer: { log.record($0, $1) }, engine: { try engine.run($0) })
}

extension Batcher {
    /// `submit`, with its typed outcome kept for checking.
    func outcome(
        _ items: [Item], tokenCounts: [Int], deadline: ContinuousClock.Instant
    ) async -> Result<[Output], BatchingError> {
        do {
            return .success(try await submit(items, tokenCounts: tokenCounts, deadline: deadline))
        } catch {
            return .failure(error)
        }
    }
}
