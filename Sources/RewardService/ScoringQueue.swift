// The service's side of the batcher: encoded pairs in, raw scores out, with a client disconnect
// cancelling the request's queued pairs and the batcher's failures turned into `ServiceError`s.
import Batching
import HTTPServer
import Tokenizer

final class ScoringQueue: Sendable {
    let batcher: Batcher<Encoding, Float>

    /// Starts the batcher's engine thread; its engine closure is the model's packed forward pass.
    init(model: any ScoringModel, limits: BatchLimits, metrics: ServiceMetrics) {
        batcher = Batcher(
            limits: limits, observer: { metrics.observe($0, $1) }, engine: { try model.rawScores($0) })
    }

    /// Raw scores for `encodings`, in order. The client going away (`context.onCancel`) drops the
    /// request's pairs that are still queued; the caller then gets `.clientDisconnected`.
    func rawScores(
        _ encodings: [Encoding], deadline: ContinuousClock.Instant, context: RequestContext
    ) async throws(ServiceError) -> [Float] {
        let batcher = self.batcher
        let result = await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<[Float], BatchingError>, Never>) in
            let id = batcher.enqueue(encodings, tokenCounts: encodings.map(\.ids.count), deadline: deadline) {
                continuation.resume(returning: $0)
            }
            // Runs at once if the client is already gone; cancelling a finished request is a no-op.
            if let id { context.onCancel { batcher.cancel(id) } }
        }
        switch result {
        case .success(let scores): return scores
        case .failure(let error): throw ServiceError(error)
        }
    }

    /// Stops admission and returns once every admitted request has finished.
    func drain() async { await batcher.drain() }
}
