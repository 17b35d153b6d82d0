// One admitted request inside the queue: its items, which of them still wait, and the outputs
// gathered so far. Knows nothing of other requests or of batches.

struct PendingRequest<Item, Output> {
    let arrival: ContinuousClock.Instant
    let deadline: ContinuousClock.Instant
    /// When its pace has all of its items handed to the engine (BatchQueue+Pacing.swift).
    let paceEnd: ContinuousClock.Instant
    let items: [Item]
    let tokenCounts: [Int]
    /// `tokenPrefix[i]` is the sum of `tokenCounts[..<i]`, so any run of items costs O(1) to price.
    private let tokenPrefix: [Int]
    /// `items[nextQueued...]` still wait in the queue; earlier items were handed to the engine.
    private(set) var nextQueued = 0
    private(set) var queuedTokens: Int
    private(set) var runningItems = 0
    private var outputs: [Output?]
    private var missingOutputs: Int

    init(
        items: [Item], tokenCounts: [Int], tokens: Int, arrival: ContinuousClock.Instant,
        deadline: ContinuousClock.Instant
    ) {
        self.arrival = arrival
        self.deadline = deadline
        paceEnd = arrival + (deadline - arrival) * DeadlinePacing.windowShare
        self.items = items
        self.tokenCounts = tokenCounts
        var prefix = [0]
        prefix.reserveCapacity(tokenCounts.count + 1)
        for count in tokenCounts { prefix.append(prefix[prefix.count - 1] + count) }
        tokenPrefix = prefix
        queuedTokens = tokens
        outputs = Array(repeating: nil, count: items.count)
        missingOutputs = items.count
    }

    var queuedItems: Int { items.count - nextQueued }

    /// Tokens of the next queued item; nil once every item has been handed to the engine.
    var nextQueuedTokenCount: Int? { nextQueued < items.count ? tokenCounts[nextQueued] : nil }

    /// Tokens of all of the request's items.
    var totalTokens: Int { tokenPrefix[tokenPrefix.count - 1] }

    /// Its pace says its next queued item should have gone to the engine by `instant`: the tokens due
    /// by then, on a straight line from nothing at its arrival to all of them at its pace end, cover
    /// that item besides those already handed out. Never while nothing is queued.
    func isBehindPace(at instant: ContinuousClock.Instant) -> Bool {
        guard let next = nextQueuedTokenCount, instant > arrival else { return false }
        let fraction = instant >= paceEnd ? 1 : (instant - arrival).secondsValue / (paceEnd - arrival).secondsValue
        let due = Int((Double(totalTokens) * fraction).rounded(.down))
        return due - (totalTokens - queuedTokens) >= next
    }

    /// When the engine rate its pace books ends: its pace end, or its deadline once that has passed.
    func bookingEnd(now: ContinuousClock.Instant) -> ContinuousClock.Instant { paceEnd > now ? paceEnd : deadline }

    /// The engine rate its pace books from `now` until `bookingEnd`, in tokens per second: its queued
    /// tokens over the time left to that end (never less than a millisecond).
    func bookedRate(now: ContinuousClock.Instant) -> Double {
        guard queuedTokens > 0 else { return 0 }
        return Double(queuedTokens) / max((bookingEnd(now: now) - now).secondsValue, 0.001)
    }

    /// Hands the next queued item to a batch and returns its index. Items leave in item order, one
    /// per call: a round-robin turn takes one, a request behind its pace as many as it needs
    /// (BatchQueue+Cutting.swift, BatchQueue+Pacing.swift).
    mutating func takeNext() -> Int {
        precondition(nextQueued < items.count, "takeNext with no item queued")
        let index = nextQueued
        nextQueued += 1
        queuedTokens -= tokenCounts[index]
        runningItems += 1
        return index
    }

    /// Stores the output of item `index`; true once every item has its output.
    mutating func record(_ output: Output, at index: Int) -> Bool {
        precondition(outputs[index] == nil, "item \(index) received two outputs")
        outputs[index] = output
        missingOutputs -= 1
        runningItems -= 1
        return missingOutputs == 0
    }

    /// The outputs in item order; only valid once `record` returned true.
    var completedOutputs: [Output] {
        let completed = outputs.compactMap { $0 }
        precondition(completed.count == items.count, "outputs read before the request completed")
        return completed
    }
}

extension PendingRequest: Sendable where Item: Sendable, Output: Sendable {}
