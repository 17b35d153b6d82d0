// A first-in first-out list of request ids, the queue's rotation of turns: O(1) append and
// remove-first, and a filter to drop ids of requests removed from the middle. Holds ids only,
// never payloads, and knows nothing of what a turn is.

struct RequestFIFO {
    private var ids: [RequestID] = []
    private var head = 0

    var first: RequestID? { head < ids.count ? ids[head] : nil }
    /// Entries still held, including any the owner has yet to filter out.
    var count: Int { ids.count - head }

    mutating func append(_ id: RequestID) { ids.append(id) }

    mutating func removeFirst() {
        precondition(head < ids.count, "removeFirst on an empty RequestFIFO")
        head += 1
        if head == ids.count {
            ids.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64 && head * 2 >= ids.count {
            // Reclaim the consumed prefix; amortised O(1) per removal.
            ids.removeFirst(head)
            head = 0
        }
    }

    mutating func removeAll(where shouldRemove: (RequestID) -> Bool) {
        ids = ids[head...].filter { !shouldRemove($0) }
        head = 0
    }
}

extension RequestFIFO: Sequence {
    /// Front to back, including any entries the owner has yet to filter out.
    func makeIterator() -> ArraySlice<RequestID>.Iterator { ids[head...].makeIterator() }
}
