// A binary min-heap of (deadline, request) for the queue, so the earliest deadline is known in
// O(1) and expiry costs O(log n) per request. Earlier deadline first; ties by lower request id.

struct DeadlineHeap {
    struct Entry: Equatable {
        let deadline: ContinuousClock.Instant
        let request: RequestID

        func precedes(_ other: Entry) -> Bool {
            (deadline, request) < (other.deadline, other.request)
        }
    }

    private var entries: [Entry] = []

    var min: Entry? { entries.first }
    var count: Int { entries.count }

    mutating func insert(_ entry: Entry) {
        entries.append(entry)
        siftUp(from: entries.count - 1)
    }

    @discardableResult
    mutating func removeMin() -> Entry? {
        guard let top = entries.first else { return nil }
        let last = entries.removeLast()
        if !entries.isEmpty {
            entries[0] = last
            siftDown(from: 0)
        }
        return top
    }

    /// Keeps only the entries `isKept` accepts; O(n).
    mutating func filter(_ isKept: (Entry) -> Bool) {
        entries = entries.filter(isKept)
        for index in stride(from: entries.count / 2 - 1, through: 0, by: -1) { siftDown(from: index) }
    }

    private mutating func siftUp(from start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].precedes(entries[parent]) else { return }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(from start: Int) {
        var parent = start
        while true {
            var smallest = parent
            let left = 2 * parent + 1
            let right = left + 1
            if left < entries.count && entries[left].precedes(entries[smallest]) { smallest = left }
            if right < entries.count && entries[right].precedes(entries[smallest]) { smallest = right }
            guard smallest != parent else { return }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
