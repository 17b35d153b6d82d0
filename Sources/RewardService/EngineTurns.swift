// One forward pass at a time across every served model, turns granted round-robin. Each model's
// batcher has an engine thread of its own, and each pass already uses every `--threads` core and
// the shared scratch workspace, so two passes at once would only fight. Without an order, a model
// flooded with requests could take turn after turn while another waits: here, when a pass ends,
// the next turn goes to the first waiting model after the one that just ran (in serving order), so
// a model that just ran queues behind every other waiting model.
import Foundation

final class EngineTurns: @unchecked Sendable {
    // @unchecked: every field is read and written with `condition` locked.
    private let condition = NSCondition()
    private let modelCount: Int
    private var waiting: Set<Int> = []
    /// The model whose pass runs now, or that was granted the next turn and has not woken yet.
    private var holder: Int?
    /// The model that ran last: the search for the next turn starts after it.
    private var last: Int

    /// `modelCount` models, numbered from 0 in serving order.
    init(modelCount: Int) {
        self.modelCount = max(1, modelCount)
        last = self.modelCount - 1
    }

    /// Runs `pass` when it is `model`'s turn, blocking the calling engine thread until then. Each
    /// model asks from one thread (its batcher's engine thread), so it never asks twice at once.
    func take<T>(model: Int, _ pass: () throws -> T) rethrows -> T {
        condition.lock()
        precondition((0..<modelCount).contains(model) && holder != model && !waiting.contains(model))
        waiting.insert(model)
        grantIfFree()
        while holder != model { condition.wait() }
        condition.unlock()
        defer {
            condition.lock()
            holder = nil
            grantIfFree()
            condition.unlock()
        }
        return try pass()
    }

    /// The models waiting for a turn (tests wait for a model to queue before releasing another's pass).
    var waitingModels: Set<Int> {
        condition.lock()
        defer { condition.unlock() }
        return waiting
    }

    /// With nobody holding the engine, the first waiting model after `last`, cyclically, gets it.
    private func grantIfFree() {
        guard holder == nil, !waiting.isEmpty else { return }
        for step in 1...modelCount {
            let candidate = (last + step) % modelCount
            if waiting.remove(candidate) != nil {
                holder = candidate
                last = candidate
                condition.broadcast()
                return
            }
        }
    }
}
