// vLLM's pooling API, as verl's reward loop and vLLM clients call it: POST /classify, POST /score
// and /v1/score with vLLM's field pairs, GET /v1/models. Answers in vLLM's shapes (`data`, `usage`);
// errors in its OpenAI-style body, validation failures as 400. Activation follows vLLM: on by
// default (sigmoid for one label or a multi-label classifier, softmax over several single-label
// classes), off with `use_activation: false` or the
// older `activation` / `softmax` names. `model` picks a served model (absent: the default; unknown:
// 404), and answers name the model that scored.
import HTTPServer
import StrictJSON

struct OpenAIUsage: Encodable {
    var promptTokens: Int
    var totalTokens: Int
    var completionTokens = 0
    var promptTokensDetails: String? = nil

    init(tokens: Int) {
        promptTokens = tokens
        totalTokens = tokens
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(promptTokens, forKey: .promptTokens)
        try container.encode(totalTokens, forKey: .totalTokens)
        try container.encode(completionTokens, forKey: .completionTokens)
        try container.encodeNil(forKey: .promptTokensDetails)
    }

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens"
        case totalTokens = "total_tokens"
        case completionTokens = "completion_tokens"
        case promptTokensDetails = "prompt_tokens_details"
    }
}

/// vLLM's answer envelope for /classify and /score: the same fields around a list of items.
struct VLLMListResponse<Item: Encodable>: Encodable {
    var id: String
    var object = "list"
    var created: Int
    var model: String
    var data: [Item]
    var usage: OpenAIUsage
}

struct ClassificationItem: Encodable {
    var index: Int
    var label: String
    /// One entry per label (N-label classifiers give N).
    var probs: [Double]
    var numClasses: Int

    enum CodingKeys: String, CodingKey {
        case index, label, probs
        case numClasses = "num_classes"
    }
}

struct ScoreItem: Encodable {
    var index: Int
    var object = "score"
    var score: Double
}

struct ModelList: Encodable {
    struct Model: Encodable {
        var id: String
        var object = "model"
        var created: Int
        var ownedBy = "reward-server"
        var root: String
        var maxModelLen: Int

        enum CodingKeys: String, CodingKey {
            case id, object, created, root
            case ownedBy = "owned_by"
            case maxModelLen = "max_model_len"
        }
    }

    var object = "list"
    var data: [Model]
}

enum VLLMRequest {
    /// The field pairs vLLM's score API has taken over its versions, first text then second.
    static let scoreFieldPairs = [("text_1", "text_2"), ("queries", "documents"), ("data_1", "data_2")]

    /// Whether a /score body is vLLM's rather than ours: it names one of vLLM's fields and none of ours.
    static func isScoreBody(_ body: JSONFields) -> Bool {
        let ours = ["prompt", "response", "pairs"].contains { body.value[$0] != nil }
        return !ours && scoreFieldPairs.contains { body.value[$0.0] != nil || body.value[$0.1] != nil }
    }

    /// vLLM's switch and its older names; on when none is given.
    /// Every name is checked for its type; the first one given decides.
    static func useActivation(_ body: JSONFields) throws(ServiceError) -> Bool {
        var decided: Bool?
        for name in ["use_activation", "activation", "softmax"] {
            let flag = try CompatFields.bool(body, name)
            decided = decided ?? flag
        }
        return decided ?? true
    }

    /// 1-to-1, 1-to-N (one first text against many) and N-to-N (pairwise) as vLLM pairs them.
    static func scorePairs(_ body: JSONFields, limits: RequestLimits) throws(ServiceError) -> [Pair] {
        for (firstName, secondName) in scoreFieldPairs
        where body.member(firstName) != nil || body.member(secondName) != nil {
            guard let first = try CompatFields.strings(body, firstName) else {
                throw .validation("missing field '\(firstName)' (given with '\(secondName)')")
            }
            guard let second = try CompatFields.strings(body, secondName) else {
                throw .validation("missing field '\(secondName)' (given with '\(firstName)')")
            }
            try CompatFields.checkCount(second.values.count, field: secondName, limits: limits)
            if first.values.count == 1 {
                return second.values.map { Pair(prompt: first.values[0], response: $0) }
            }
            guard first.values.count == second.values.count else {
                throw .validation(
                    "'\(firstName)' has \(first.values.count) items and '\(secondName)' \(second.values.count): "
                        + "give one '\(firstName)', or as many as '\(secondName)'")
            }
            return zip(first.values, second.values).map { Pair(prompt: $0, response: $1) }
        }
        throw .validation("give 'text_1' and 'text_2' (or 'queries' and 'documents', or 'data_1' and 'data_2')")
    }
}

extension ServiceState {
    func classify(_ request: HTTPRequest, context: RequestContext) async -> HTTPResponse {
        do throws(ServiceError) {
            let body = try CompatFields.body(request.body)
            let served = try models.named(try CompatFields.model(body))
            guard let inputs = try CompatFields.strings(body, "input") else { throw .validation("missing field 'input'") }
            try CompatFields.checkCount(inputs.values.count, field: "input", limits: configuration.requests)
            let activate = try VLLMRequest.useActivation(body)
            let job = ScoringJob(
                pairs: inputs.values.map { Pair(prompt: $0, response: "") },
                alpha: try CompatFields.alpha(body, limits: configuration.requests),
                truncate: configuration.requests.defaultTruncate)
            let (logits, tokens) = try await classified(job, on: served, itemName: "input", context: context)
            let labels = served.facts.labels
            let data = logits.enumerated().map { index, logits in
                let probs = activate ? served.facts.activation.apply(logits) : logits
                let best = probs.indices.max { probs[$0] < probs[$1] } ?? 0
                return ClassificationItem(
                    index: index, label: labels.indices.contains(best) ? labels[best] : "LABEL_\(best)", probs: probs,
                    numClasses: probs.count)
            }
            return try jsonResponse(
                VLLMListResponse(
                    id: answerID("classify", context), created: createdTimestamp, model: served.name, data: data,
                    usage: OpenAIUsage(tokens: tokens)))
        } catch {
            return failure(error, dialect: .vLLM, context: context)
        }
    }

    func vllmScore(_ request: HTTPRequest, context: RequestContext) async -> HTTPResponse {
        do throws(ServiceError) {
            return await vllmScore(try CompatFields.body(request.body), context: context)
        } catch {
            return failure(error, dialect: .vLLM, context: context)
        }
    }

    /// `vllmScore` of a body already read (by /score, which reads it once to tell vLLM's from ours).
    func vllmScore(_ body: JSONFields, context: RequestContext) async -> HTTPResponse {
        do throws(ServiceError) {
            let served = try models.named(try CompatFields.model(body))
            let pairs = try VLLMRequest.scorePairs(body, limits: configuration.requests)
            let activate = try VLLMRequest.useActivation(body)
            let job = ScoringJob(
                pairs: pairs, alpha: try CompatFields.alpha(body, limits: configuration.requests),
                truncate: configuration.requests.defaultTruncate)
            let (scores, tokens) = try await scored(job, on: served, itemName: "pairs", context: context)
            let data = scores.enumerated().map { index, score in
                ScoreItem(index: index, score: activate ? Activation.sigmoid(score) : score)
            }
            return try jsonResponse(
                VLLMListResponse(
                    id: answerID("score", context), created: createdTimestamp, model: served.name, data: data,
                    usage: OpenAIUsage(tokens: tokens)))
        } catch {
            return failure(error, dialect: .vLLM, context: context)
        }
    }

    /// Every served model, the default first.
    func modelList() -> HTTPResponse {
        do throws(ServiceError) {
            let created = createdTimestamp
            let data = models.all.map {
                ModelList.Model(
                    id: $0.name, created: created, root: $0.name, maxModelLen: $0.model.modelDescription.maxInputLength)
            }
            return try jsonResponse(ModelList(data: data))
        } catch {
            return ErrorDialect.vLLM.response(
                for: error, requestID: "", retryAfterSeconds: configuration.requests.retryAfterSeconds)
        }
    }
}
