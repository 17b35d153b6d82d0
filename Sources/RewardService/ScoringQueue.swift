// The service's side of the batcher: encoded pairs in, raw scores out, with the batcher's failures
// turned into `ServiceError`s. The handler task's cancellation (its client went away) drops the
// request's queued pairs.
import Batching
import Tokenizer

final class ScoringQueue: Sendable {
    let batcher: Batcher<Encoding, Float>

    /// Starts the batcher's engine thread; its engine closure is the model's packed forward pass.
    init(model: any ScoringModel, limits: BatchLimits, metrics: ServiceMetrics) {
        batcher = Batcher(
            limits: limits, observer: { metrics.observe($0, $1) }, engine: { try model.rawScores($0) })
    }

    /// Raw scores for `encodings`, in order; `.clientDisconnected` when the task is cancelled first.
    func rawScores(_ encodings: [Encoding], deadline: ContinuousClock.Instant) async throws(ServiceError) -> [Float] {
        do {
            return try await batcher.submit(encodings, tokenCounts: encodings.map(\.ids.count), deadline: deadline)
        } catch {
            throw ServiceError(error)
        }
    }

    /// Stops admission and returns once every admitted request has finished.
    func drain() async { await batcher.drain() }
}
