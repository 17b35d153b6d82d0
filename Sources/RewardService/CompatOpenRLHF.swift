// OpenRLHF's remote reward model: POST /get_reward, as `openrlhf.cli.serve_rm` answers it.
// Request `{"query": [str], "prompts"?: [str], "labels"?: …}` → `{"rewards", "scores", "extra_logs"}`
// in `query` order. Older trainers send one request per rollout batch (thousands of items), newer
// ones one item per request and an empty request to every server but the first: an empty request
// is answered with empty lists. There is no item limit here; the request's token cost is checked
// against what can be computed before its deadline (413 naming the limit), and a request larger
// than the queue's bounds is queued in turns. Scores are raw × alpha. Errors are FastAPI's `{"detail"}`.
// OpenRLHF's body has no `model`; one given picks a served model as on the other routes.
import HTTPServer
import StrictJSON

struct GetRewardResponse: Encodable {
    struct ExtraLogs: Encodable {}

    var rewards: [Double]
    var scores: [Double]
    var extraLogs = ExtraLogs()

    enum CodingKeys: String, CodingKey {
        case rewards, scores
        case extraLogs = "extra_logs"
    }
}

enum OpenRLHFRequest {
    /// The pairs to score, in `query` order: (prompt, rest of query) when `prompts[i]` is a non-empty
    /// prefix of `query[i]` (the trainer sends the prompt and the prompt + response), otherwise
    /// `query[i]` as one text.
    static func pairs(_ body: JSONFields) throws(ServiceError) -> [Pair] {
        let queries = try CompatFields.read { () throws(JSONFieldError) in
            try body.required("query", .array).map { (item) throws(JSONFieldError) in try item.read(.string) }
        }
        let prompts = try CompatFields.read { () throws(JSONFieldError) in
            try body.optional("prompts", .array)?.map { (item) throws(JSONFieldError) in try item.read(.string) }
        }
        if let prompts, prompts.count != queries.count {
            throw .validation("'prompts' has \(prompts.count) items but 'query' has \(queries.count); give one per query")
        }
        return queries.enumerated().map { index, query in
            guard let prompt = prompts?[index] else { return Pair(prompt: query, response: "") }
            return split(query, prompt: prompt)
        }
    }

    /// Compared by Unicode scalars, so a prompt ending inside a grapheme cluster still splits exactly.
    static func split(_ query: String, prompt: String) -> Pair {
        let promptScalars = prompt.unicodeScalars
        guard !promptScalars.isEmpty, query.unicodeScalars.starts(with: promptScalars) else {
            return Pair(prompt: query, response: "")
        }
        var rest = String.UnicodeScalarView()
        rest.append(contentsOf: query.unicodeScalars.dropFirst(promptScalars.count))
        return Pair(prompt: prompt, response: String(rest))
    }
}

extension ServiceState {
    func getReward(_ request: HTTPRequest, context: RequestContext) async -> HTTPResponse {
        do throws(ServiceError) {
            let body = try CompatFields.body(request.body)
            let served = try models.named(try CompatFields.model(body))
            let pairs = try OpenRLHFRequest.pairs(body)
            let alpha = try CompatFields.alpha(body, limits: configuration.requests)
            guard !pairs.isEmpty else { return try jsonResponse(GetRewardResponse(rewards: [], scores: [])) }
            let job = ScoringJob(pairs: pairs, alpha: alpha, truncate: configuration.requests.defaultTruncate)
            let scores = try await scored(job, on: served, itemName: "query", inTurns: true, context: context).scores
            return try jsonResponse(GetRewardResponse(rewards: scores, scores: scores))
        } catch {
            return failure(error, dialect: .openRLHF, context: context)
        }
    }
}
