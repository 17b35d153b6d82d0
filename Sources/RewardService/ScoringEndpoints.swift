// POST /score and POST /rank: decode → validate → tokenize (on the request path) → cost limit →
// queue → alpha → JSON. The head was screened already (key, readiness, media type). Every failure
// goes through `ServiceState.failure` and the error table.
import Foundation
import HTTPServer

extension ServiceState {
    func score(_ request: HTTPRequest, context: RequestContext) async -> HTTPResponse {
        do throws(ServiceError) {
            let body = try RequestDecoding.object(request.body)
            // vLLM's score body (text_1/text_2, …) on the same path: answered as vLLM does (CompatVLLM).
            if VLLMRequest.isScoreBody(body) { return await vllmScore(body, context: context) }
            let decoded = try RequestDecoding.scoreRequest(body)
            let job = try RequestValidation.job(decoded, limits: configuration.requests)
            let served = try models.named(decoded.model)
            let isBatch = decoded.pairs != nil
            let scores = try await scores(for: job, on: served, itemName: isBatch ? "pairs" : nil, context: context)
            return isBatch
                ? try jsonResponse(BatchScoreResponse(scores: scores))
                : try jsonResponse(ScoreResponse(score: scores[0]))
        } catch {
            return failure(error, context: context)
        }
    }

    func rank(_ request: HTTPRequest, context: RequestContext) async -> HTTPResponse {
        do throws(ServiceError) {
            let decoded = try RequestDecoding.rankRequest(request.body)
            let job = try RequestValidation.job(decoded, limits: configuration.requests)
            let served = try models.named(decoded.model)
            let scores = try await scores(for: job, on: served, itemName: "responses", context: context)
            let ranking = RequestValidation.ranking(
                scores, responses: decoded.responses, topK: decoded.topK, returnText: decoded.returnText ?? false)
            return try jsonResponse(RankResponse(ranking: ranking))
        } catch {
            return failure(error, context: context)
        }
    }

    /// Tokenizes (stopping when the client goes or the deadline passes), refuses work that cannot be
    /// computed before the deadline, then waits for the batcher.
    func scores(
        for job: ScoringJob, on served: ServedModel, itemName: String?, context: RequestContext
    ) async throws(ServiceError) -> [Double] {
        try await scored(job, on: served, itemName: itemName, context: context).scores
    }

    /// `scores(for:…)` with the request's token count (the other APIs report it as usage). With
    /// `inTurns`, a request larger than the queue's bounds is queued in parts, one after another
    /// (OpenRLHF sends whole rollout batches); the cost limit still applies to the whole request.
    /// One number per pair needs a one-label model: an N-label classifier is refused (422) before
    /// any work, pointing at /classify.
    func scored(
        _ job: ScoringJob, on served: ServedModel, itemName: String?, inTurns: Bool = false, context: RequestContext
    ) async throws(ServiceError) -> (scores: [Double], tokens: Int) {
        let labels = served.model.modelDescription.labelCount
        guard labels == 1 else {
            throw .needsClassification(
                "this model is a \(labels)-label classifier, so it has no single score per pair: "
                    + "use POST /classify (or /predict) for every label's probability")
        }
        let (logits, tokens) = try await classified(
            job, on: served, itemName: itemName, inTurns: inTurns, context: context)
        return (logits.map { $0[0] }, tokens)
    }

    /// Every label's logit per pair, alpha applied (one per pair for a reward model), and the
    /// request's token count. Tokenizes (stopping when the client goes or the deadline passes),
    /// refuses work that cannot be computed before the deadline, then waits for the batcher.
    func classified(
        _ job: ScoringJob, on served: ServedModel, itemName: String?, inTurns: Bool = false, context: RequestContext
    ) async throws(ServiceError) -> (logits: [[Double]], tokens: Int) {
        let deadline = context.start.advanced(by: configuration.requests.requestTimeout)
        let encodings = try PairEncoder.encode(job, model: served.model, itemName: itemName) {
            Task.isCancelled || ContinuousClock.now >= deadline
        }
        let tokens = encodings.reduce(0) { $0 + $1.ids.count }
        try RequestValidation.checkCost(tokens, limits: served.requests)
        let raw =
            inTurns
            ? try await served.queue.rawLogitsInTurns(encodings, deadline: deadline, limits: configuration.batching)
            : try await served.queue.rawLogits(encodings, deadline: deadline)
        var logits: [[Double]] = []
        logits.reserveCapacity(raw.count)
        for row in raw { logits.append(try RequestValidation.finalScores(row, alpha: job.alpha)) }
        return (logits, tokens)
    }
}

/// A 200 JSON response. Encoding API values cannot fail (scores are checked finite first); if it
/// ever does, the client gets a 500 and the log gets the reason.
func jsonResponse<T: Encodable>(_ value: T, status: HTTPStatus = .ok) throws(ServiceError) -> HTTPResponse {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    do {
        let body = try encoder.encode(value)
        return HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: Array(body))
    } catch {
        throw .internalError("encoding \(T.self) failed: \(error)")
    }
}
