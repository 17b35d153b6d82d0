// The service's side of the batcher: encoded pairs in, raw logits out (one row per pair: one value
// for a reward model, one per label for a classifier), with the batcher's failures
// turned into `ServiceError`s. Each served model has one. The handler task's cancellation (its client
// went away) drops the request's queued pairs.
import Batching
import Tokenizer

final class ScoringQueue: Sendable {
    let batcher: Batcher<Encoding, [Float]>

    /// Starts the batcher's engine thread; its engine closure is the model's packed forward pass,
    /// run when `turns` gives this queue (number `turn` among the served models) its turn.
    init(model: any ScoringModel, limits: BatchLimits, series: ModelSeries, turns: EngineTurns, turn: Int) {
        batcher = Batcher(
            limits: limits, observer: { series.observe($0, $1) },
            engine: { batch in try turns.take(model: turn) { try model.rawLogits(batch) } })
    }

    /// Raw logits for `encodings`, in order; `.clientDisconnected` when the task is cancelled first.
    /// A request whose deadline the engine cannot meet is refused at once (429 + Retry-After).
    func rawLogits(
        _ encodings: [Encoding], deadline: ContinuousClock.Instant, checkingDeadline: Bool = true
    ) async throws(ServiceError) -> [[Float]] {
        do {
            return try await batcher.submit(
                encodings, tokenCounts: encodings.map(\.ids.count), deadline: deadline,
                checkingDeadline: checkingDeadline)
        } catch {
            throw ServiceError(error)
        }
    }

    /// `rawLogits` for a request that may exceed the queue's bounds: it is queued in parts of at most
    /// half of each bound, one part after the other, so it never holds the whole queue and others'
    /// requests keep their turns between its batches. A single pair over the token bound still fails.
    /// Whether the deadline can be met is decided once, for the whole request, before its first part
    /// is queued: a request is refused whole (429) or computed whole, never refused half computed.
    func rawLogitsInTurns(
        _ encodings: [Encoding], deadline: ContinuousClock.Instant, limits: BatchLimits
    ) async throws(ServiceError) -> [[Float]] {
        let maxItems = max(1, limits.maxQueuedItems / 2)
        let maxTokens = max(1, limits.maxQueuedTokens / 2)
        do {
            try batcher.checkDeadline(tokenCounts: encodings.map(\.ids.count), deadline: deadline)
        } catch {
            throw ServiceError(error)
        }
        var scores: [[Float]] = []
        scores.reserveCapacity(encodings.count)
        var start = 0
        while start < encodings.count {
            var end = start
            var tokens = 0
            while end < encodings.count, end - start < maxItems,
                end == start || tokens + encodings[end].ids.count <= maxTokens
            {
                tokens += encodings[end].ids.count
                end += 1
            }
            scores += try await rawLogits(Array(encodings[start..<end]), deadline: deadline, checkingDeadline: false)
            start = end
        }
        return scores
    }

    /// Stops admission and returns once every admitted request has finished.
    func drain() async { await batcher.drain() }
}
