// The bytes all connections together may hold in request bodies (announced or arriving) and in
// unsent responses. One atomic counter shared by every event loop: a new upload that does not fit
// is refused from its head (503), and a connection stops parsing new requests while the budget is
// spent and it still has output to write.

import Synchronization

final class MemoryBudget: Sendable {
    let limit: Int
    private let used = Atomic<Int>(0)

    init(limit: Int) {
        self.limit = max(0, limit)
    }

    var inUse: Int { used.load(ordering: .relaxed) }

    var isSpent: Bool { inUse >= limit }

    /// Takes `bytes` when they fit under the limit; false (and nothing taken) otherwise.
    func reserve(_ bytes: Int) -> Bool {
        var current = used.load(ordering: .relaxed)
        while true {
            guard bytes <= limit - current else { return false }
            let (exchanged, original) = used.compareExchange(
                expected: current, desired: current + bytes, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
    }

    /// Takes `bytes` whatever the limit (output already produced must be counted).
    func charge(_ bytes: Int) {
        if bytes != 0 { used.add(bytes, ordering: .relaxed) }
    }

    func release(_ bytes: Int) {
        if bytes != 0 { used.subtract(bytes, ordering: .relaxed) }
    }
}
