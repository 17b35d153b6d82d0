// POST /score and POST /rank: decode → validate → tokenize (on the request path) → queue → alpha
// → JSON. Every failure goes through `ServiceState.failure` and the error table.
import Foundation
import HTTPServer

extension ServiceState {
    func score(_ request: HTTPRequest, context: RequestContext, call: ServiceCall) async -> HTTPResponse {
        do throws(ServiceError) {
            let decoded = try decodeBody(request, RequestDecoding.scoreRequest)
            let job = try RequestValidation.job(decoded, limits: configuration.requests)
            let isBatch = decoded.pairs != nil
            let scores = try await scores(for: job, itemName: isBatch ? "pairs" : nil, context: context, call: call)
            return isBatch
                ? try jsonResponse(BatchScoreResponse(scores: scores))
                : try jsonResponse(ScoreResponse(score: scores[0]))
        } catch {
            return failure(error, call: call)
        }
    }

    func rank(_ request: HTTPRequest, context: RequestContext, call: ServiceCall) async -> HTTPResponse {
        do throws(ServiceError) {
            let decoded = try decodeBody(request, RequestDecoding.rankRequest)
            let job = try RequestValidation.job(decoded, limits: configuration.requests)
            let scores = try await scores(for: job, itemName: "responses", context: context, call: call)
            let ranking = RequestValidation.ranking(
                scores, responses: decoded.responses, topK: decoded.topK, returnText: decoded.returnText ?? false)
            return try jsonResponse(RankResponse(ranking: ranking))
        } catch {
            return failure(error, call: call)
        }
    }

    /// The API key first (nothing about the service shows without it), then readiness (a draining
    /// server takes no new work), then media type, then the body.
    private func decodeBody<T>(
        _ request: HTTPRequest, _ decode: ([UInt8]) throws(ServiceError) -> T
    ) throws(ServiceError) -> T {
        if let authorization = configuration.authorization, !authorization.permits(request.headers["authorization"]) {
            throw .unauthorized
        }
        switch readiness {
        case .starting: throw .notReady
        case .draining: throw .draining
        case .ready: break
        }
        try RequestDecoding.checkContentType(request.headers)
        return try decode(request.body)
    }

    private func scores(
        for job: ScoringJob, itemName: String?, context: RequestContext, call: ServiceCall
    ) async throws(ServiceError) -> [Double] {
        let encodings = try PairEncoder.encode(job, model: model, itemName: itemName)
        let deadline = call.start.advanced(by: configuration.requests.requestTimeout)
        let raw = try await queue.rawScores(encodings, deadline: deadline, context: context)
        return try RequestValidation.finalScores(raw, alpha: job.alpha)
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
