// The API's rules on decoded requests, turning them into the pairs to score. Pure: no model, no
// queue. Token-length checks (truncate: false) happen at encoding, in `PairEncoder`.

/// What a /score or /rank request asks the engine for, after validation.
struct ScoringJob: Sendable, Equatable {
    var pairs: [Pair]
    var alpha: Double
    var truncate: Bool
}

enum RequestValidation {
    static func job(_ request: ScoreRequest, limits: RequestLimits) throws(ServiceError) -> ScoringJob {
        let pairs: [Pair]
        if let batch = request.pairs {
            try checkCount(batch.count, field: "pairs", limits: limits)
            pairs = batch
        } else if let prompt = request.prompt, let response = request.response {
            pairs = [Pair(prompt: prompt, response: response)]
        } else {
            throw .validation("give 'prompt' and 'response', or 'pairs'")
        }
        return ScoringJob(
            pairs: pairs, alpha: try alpha(request.alpha, limits: limits),
            truncate: request.truncate ?? limits.defaultTruncate)
    }

    static func job(_ request: RankRequest, limits: RequestLimits) throws(ServiceError) -> ScoringJob {
        try checkCount(request.responses.count, field: "responses", limits: limits)
        if let topK = request.topK, topK < 1 { throw .validation("top_k must be at least 1, got \(topK)") }
        return ScoringJob(
            pairs: request.responses.map { Pair(prompt: request.prompt, response: $0) },
            alpha: try alpha(request.alpha, limits: limits), truncate: request.truncate ?? limits.defaultTruncate)
    }

    /// The bound is `RewardModel.maxAlphaMagnitude` (see there why).
    static let maxAlphaMagnitude = RewardModel.maxAlphaMagnitude

    static func alpha(_ alpha: Double?, limits: RequestLimits) throws(ServiceError) -> Double {
        guard let alpha else { return limits.defaultAlpha }
        guard alpha.isFinite else { throw .validation("alpha must be a finite number, got \(alpha)") }
        guard abs(alpha) <= maxAlphaMagnitude else {
            throw .validation("alpha must be within ±1e30, got \(alpha)")
        }
        return alpha
    }

    static func checkCount(_ count: Int, field: String, limits: RequestLimits) throws(ServiceError) {
        guard count > 0 else { throw .validation("'\(field)' must not be empty") }
        guard count <= limits.maxItemsPerRequest else {
            throw .validation("'\(field)' has \(count) items, more than the limit of \(limits.maxItemsPerRequest)")
        }
    }

    /// What the engine cannot compute within the request's deadline is refused before it is queued,
    /// so it neither times out after using the engine nor delays everyone behind it.
    static func checkCost(_ tokens: Int, limits: RequestLimits) throws(ServiceError) {
        guard let limit = limits.maxRequestTokens, tokens > limit else { return }
        throw .requestTooLarge(
            "the request has \(tokens) tokens, more than the \(limit) this server can compute within its "
                + "request timeout of \(Int(limits.requestTimeout.seconds.rounded())) s (max_request_tokens in "
                + "GET /info): split it into smaller requests, or raise --request-timeout (or --max-request-tokens)")
    }

    /// Scores after alpha, checked for fp32 overflow (cannot happen within the alpha bound unless the
    /// engine returns a huge or non-finite raw score; then the request fails instead of sending inf).
    static func finalScores(_ raw: [Float], alpha: Double) throws(ServiceError) -> [Double] {
        let scores = raw.map { RewardModel.apply(alpha: alpha, to: $0) }
        if let index = scores.firstIndex(where: { !$0.isFinite }) {
            throw .validation("score \(index) overflows fp32 with alpha \(alpha) (raw score \(raw[index]))")
        }
        return scores
    }

    /// Highest score first, ties by lower index; the first `topK` entries.
    static func ranking(_ scores: [Double], responses: [String], topK: Int?, returnText: Bool) -> [RankedResponse] {
        let order = scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        return order.prefix(topK ?? order.count).map {
            RankedResponse(index: $0, score: scores[$0], response: returnText ? responses[$0] : nil)
        }
    }
}
