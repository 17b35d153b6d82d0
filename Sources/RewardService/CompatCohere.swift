// Cohere's and Jina's rerank API, as the cohere SDK (Client → /v1/rerank, ClientV2 → /v2/rerank)
// and vLLM's /rerank serve it: `query`, `documents` (strings or `{"text"}`), `top_n`,
// `return_documents` → `{"id", "results": [{"index", "relevance_score", "document"?}], "meta"}`,
// highest first. These APIs have no activation switch: relevance_score is the raw reward × alpha.
// `model` picks a served model (absent: the default; unknown: 404); Cohere's chunking fields are
// accepted and ignored. Errors in Cohere's `{"message"}`.
import HTTPServer
import StrictJSON

struct CohereRerankResponse: Encodable {
    struct Document: Encodable {
        var text: String
    }

    struct Result: Encodable {
        var index: Int
        var relevanceScore: Double
        var document: Document?

        enum CodingKeys: String, CodingKey {
            case index, document
            case relevanceScore = "relevance_score"
        }
    }

    struct Meta: Encodable {
        struct APIVersion: Encodable { var version: String }
        struct BilledUnits: Encodable {
            var searchUnits = 1
            enum CodingKeys: String, CodingKey { case searchUnits = "search_units" }
        }

        var apiVersion: APIVersion
        var billedUnits = BilledUnits()

        enum CodingKeys: String, CodingKey {
            case apiVersion = "api_version"
            case billedUnits = "billed_units"
        }
    }

    /// Jina's and vLLM's token count.
    struct Usage: Encodable {
        var totalTokens: Int
        enum CodingKeys: String, CodingKey { case totalTokens = "total_tokens" }
    }

    var id: String
    var model: String
    var results: [Result]
    var meta: Meta
    var usage: Usage
}

enum CohereRequest {
    /// Each document: a string, or an object with a string `text` (Cohere v1, Jina).
    static func documents(_ body: JSONFields) throws(ServiceError) -> [String] {
        try CompatFields.read { () throws(JSONFieldError) in
            try body.required("documents", .array).map { (item) throws(JSONFieldError) in
                if case .object = item.value { return try item.required("text", .string) }
                return try item.read(.string)
            }
        }
    }

    static func topN(_ body: JSONFields) throws(ServiceError) -> Int? {
        let topN = try CompatFields.read { () throws(JSONFieldError) in try body.optional("top_n", .saturatingInteger) }
        if let topN, topN < 1 { throw .validation("top_n must be at least 1, got \(topN)") }
        return topN
    }
}

extension ServiceState {
    /// `apiVersion`: "1" on /v1/rerank and /rerank, "2" on /v2/rerank (the meta Cohere sends).
    func cohereRerank(_ request: HTTPRequest, apiVersion: String, context: RequestContext) async -> HTTPResponse {
        do throws(ServiceError) {
            let body = try CompatFields.body(request.body)
            let served = try models.named(try CompatFields.model(body))
            let query = try CompatFields.read { () throws(JSONFieldError) in try body.required("query", .string) }
            let documents = try CohereRequest.documents(body)
            try CompatFields.checkCount(documents.count, field: "documents", limits: configuration.requests)
            let topN = try CohereRequest.topN(body)
            let returnDocuments = try CompatFields.bool(body, "return_documents") ?? false
            let job = ScoringJob(
                pairs: documents.map { Pair(prompt: query, response: $0) },
                alpha: try CompatFields.alpha(body, limits: configuration.requests),
                truncate: configuration.requests.defaultTruncate)
            let (scores, tokens) = try await scored(job, on: served, itemName: "documents", context: context)
            let results = RequestValidation.ranking(scores, responses: documents, topK: topN, returnText: returnDocuments)
                .map { CohereRerankResponse.Result(index: $0.index, relevanceScore: $0.score, document: $0.response.map { .init(text: $0) }) }
            return try jsonResponse(
                CohereRerankResponse(
                    id: answerID("rerank", context), model: served.name, results: results,
                    meta: .init(apiVersion: .init(version: apiVersion)), usage: .init(totalTokens: tokens)))
        } catch {
            return failure(error, dialect: .cohere, context: context)
        }
    }

    /// POST /rerank: TEI's when the body has `texts`, Cohere's (as vLLM serves it) when it has
    /// `documents`; a body with neither gets TEI's answer naming `texts`.
    func rerank(_ request: HTTPRequest, context: RequestContext) async -> HTTPResponse {
        let body = try? RequestDecoding.object(request.body)  // TEI's route answers bad JSON itself
        if let body, body.value["documents"] != nil, body.value["texts"] == nil {
            return await cohereRerank(request, apiVersion: "1", context: context)
        }
        return await teiRerank(request, context: context)
    }
}
