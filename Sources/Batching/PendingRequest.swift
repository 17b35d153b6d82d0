// One admitted request inside the queue: its items, which of them still wait, and the outputs
// gathered so far. Knows nothing of other requests or of batches.

struct PendingRequest<Item, Output> {
    let arrival: ContinuousClock.Instant
    let deadline: ContinuousClock.Instant
    let items: [Item]
    let tokenCounts: [Int]
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
        queuedTokens = tokens
        outputs = Array(repeating: nil, count: items.count)
        missingOutputs = items.count
    }

    var queuedItems: Int { items.count - nextQueued }

    /// Hands the next queued items to a batch, in order, while they fit in `itemRoom` items and
    /// `tokenRoom` tokens. When `mayOverflow`, the first item goes even if it alone exceeds
    /// `tokenRoom` (an oversize item runs alone rather than never). Returns the indices taken.
    mutating func take(itemRoom: Int, tokenRoom: Int, mayOverflow: Bool) -> Range<Int> {
        let start = nextQueued
        var tokensTaken = 0
        while nextQueued < items.count && nextQueued - start < itemRoom {
            let tokens = tokenCounts[nextQueued]
            let overflowing = tokensTaken + tokens > tokenRoom
            if overflowing && !(mayOverflow && nextQueued == start) { break }
            tokensTaken += tokens
            nextQueued += 1
        }
        queuedTokens -= tokensTaken
        runningItems += nextQueued - start
        return start..<nextQueued
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
