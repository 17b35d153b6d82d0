// One admitted request inside the queue: its items, which of them still wait, and the outputs
// gathered so far. Knows nothing of other requests or of batches.

struct PendingRequest<Item, Output> {
    let arrival: ContinuousClock.Instant
    let deadline: ContinuousClock.Instant
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

    /// Some of its items went to an earlier batch than the next one: it takes turns batch after batch.
    var spansBatches: Bool { nextQueued > 0 }

    /// Tokens of all of the request's items.
    var totalTokens: Int { tokenPrefix[tokenPrefix.count - 1] }

    /// Tokens of the next `count` queued items (all of them when fewer are queued).
    func tokensOfNextQueued(_ count: Int) -> Int {
        let end = nextQueued + min(max(count, 0), queuedItems)
        return tokenPrefix[end] - tokenPrefix[nextQueued]
    }

    /// Hands the next queued item to a batch and returns its index. Items leave in item order, one
    /// per call: the queue gives each request one item per turn (see BatchQueue+Cutting.swift).
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
