// Shared fakes for the Batching tests: tagged items whose outputs name their owner, a queue
// factory with small limits, fixed instants and a seeded generator.
import Batching

/// An item that knows which request and position it came from, so a misrouted output shows.
struct Tag: Hashable, Comparable, Sendable, CustomStringConvertible {
    let request: Int
    let index: Int

    static func < (lhs: Tag, rhs: Tag) -> Bool { (lhs.request, lhs.index) < (rhs.request, rhs.index) }
    var description: String { "\(request).\(index)" }
    /// What the fake engine computes for this item.
    var output: String { "scored \(request).\(index)" }
}

func tags(_ request: Int, count: Int) -> [Tag] { (0..<count).map { Tag(request: request, index: $0) } }

/// Item `index` of request `request`, for spelling out interleaved batches.
func tag(_ request: Int, _ index: Int) -> Tag { Tag(request: request, index: index) }

typealias TestQueue = BatchQueue<Tag, String>

/// A fixed origin for state-machine tests; only ever offset, so no test depends on the real time.
let origin = ContinuousClock.now
func at(_ milliseconds: Int) -> ContinuousClock.Instant { origin + .milliseconds(milliseconds) }
let never = origin + .seconds(3600)

func makeQueue(
    maxBatchItems: Int = 8,
    maxBatchTokens: Int = 100,
    maxBatchDelay: Duration = .zero,
    maxQueuedItems: Int = 100,
    maxQueuedTokens: Int = 10_000
) -> TestQueue {
    TestQueue(
        limits: BatchLimits(
            maxBatchItems: maxBatchItems, maxBatchTokens: maxBatchTokens, maxBatchDelay: maxBatchDelay,
            maxQueuedItems: maxQueuedItems, maxQueuedTokens: maxQueuedTokens))
}

extension Admission {
    var id: RequestID? {
        guard case .admitted(let id) = self else { return nil }
        return id
    }

    var error: BatchingError? {
        guard case .rejected(let error) = self else { return nil }
        return error
    }
}

extension BatchDecision {
    var batch: Batch<Item>? {
        guard case .run(let batch) = action else { return nil }
        return batch
    }

    var waitsUntil: ContinuousClock.Instant? {
        guard case .wait(let until) = action else { return nil }
        return until
    }

    var isIdle: Bool {
        guard case .idle = action else { return false }
        return true
    }
}

extension BatchingError {
    /// The case name, so tests can compare errors (the engine's error is not Equatable).
    var kind: String {
        switch self {
        case .overloaded: "overloaded"
        case .deadlineUnreachable: "deadlineUnreachable"
        case .requestTooLarge: "requestTooLarge"
        case .invalidRequest: "invalidRequest"
        case .deadlineExceeded: "deadlineExceeded"
        case .cancelled: "cancelled"
        case .engineFailed: "engineFailed"
        case .shuttingDown: "shuttingDown"
        }
    }
}

extension Result where Failure == BatchingError {
    var errorKind: String? {
        guard case .failure(let error) = self else { return nil }
        return error.kind
    }
}
