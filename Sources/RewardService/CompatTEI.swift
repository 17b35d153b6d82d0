// text-embeddings-inference's classifier routes, as Haystack's and LlamaIndex's TEI rankers and
// huggingface_hub call them: POST /rerank (with `texts`), /predict, /tokenize, and POST / (the
// Hugging Face Inference text-classification call). TEI's activation: unless `raw_scores` is true,
// sigmoid for one label or a multi-label classifier, softmax over several single-label classes;
// every label is answered, highest first (`parameters.top_k` keeps the first k). Errors in TEI's `{"error", "error_type"}`: 422 for a
// body that breaks the rules, 413 for one over a size limit. TEI's fields in GET /info live in ServiceInfo.
// TEI serves one model and its requests name none: these routes use the default model.
import HTTPServer
import StrictJSON

struct TEIRank: Encodable {
    var index: Int
    var text: String?
    var score: Double
}

struct TEIPrediction: Encodable {
    var score: Double
    var label: String
}

struct TEIToken: Encodable {
    var id: Int32
    var text: String
    var special: Bool
    /// TEI gives character offsets; this tokenizer does not keep them, so they are null (TEI's type
    /// allows it).
    var start: Int?
    var stop: Int?

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(text, forKey: .text)
        try container.encode(special, forKey: .special)
        try container.encodeNil(forKey: .start)
        try container.encodeNil(forKey: .stop)
    }

    enum CodingKeys: String, CodingKey { case id, text, special, start, stop }
}

enum TEIRequest {
    /// TEI's `truncate` (default: the server's setting) and `truncation_direction`: this server
    /// truncates on the right, TEI's default; asking for the left is refused rather than ignored.
    static func truncate(_ body: JSONFields, limits: RequestLimits) throws(ServiceError) -> Bool {
        let direction = try CompatFields.read { () throws(JSONFieldError) in
            try body.optional("truncation_direction", .string)
        }
        if let direction, direction.lowercased() != "right" {
            throw .validation("truncation_direction '\(direction)' is not supported: this server truncates on the right")
        }
        return try CompatFields.bool(body, "truncate") ?? limits.defaultTruncate
    }

    /// /predict's and POST /'s `inputs`, as TEI reads them: a string (one text); an array of exactly
    /// two strings (one pair); otherwise an array of texts and [text, text_pair] arrays (a batch).
    /// POST / also takes `{"text", "text_pair"}`. `isBatch` decides the answer's nesting.
    static func predictInputs(_ body: JSONFields) throws(ServiceError) -> (pairs: [Pair], isBatch: Bool) {
        guard let inputs = body.member("inputs") else { throw .validation("missing field 'inputs'") }
        switch inputs.value {
        case .string(let text): return ([Pair(prompt: text, response: "")], false)
        case .object:
            let pair = try CompatFields.read { () throws(JSONFieldError) in
                Pair(prompt: try inputs.required("text", .string), response: try inputs.optional("text_pair", .string) ?? "")
            }
            return ([pair], false)
        case .array(let items):
            if items.count == 2, case .string(let first) = items[0], case .string(let second) = items[1] {
                return ([Pair(prompt: first, response: second)], false)
            }
            return (try CompatFields.read { () throws(JSONFieldError) in try inputs.read(.array).map(sequence) }, true)
        default:
            throw .validation("field 'inputs' must be a string, a [text, text_pair] array or an array of them")
        }
    }

    private static func sequence(_ item: JSONFields) throws(JSONFieldError) -> Pair {
        if case .string(let text) = item.value { return Pair(prompt: text, response: "") }
        let parts = try item.read(.array)
        guard parts.count == 2 else {
            throw JSONFieldError(path: item.path, expected: "a string or a [text, text_pair] array", problem: .wrongType(found: item.value))
        }
        return Pair(prompt: try parts[0].read(.string), response: try parts[1].read(.string))
    }

    /// TEI's `raw_scores`, or the Hugging Face Inference `parameters.function_to_apply`
    /// ("sigmoid", "softmax", "none"): nil for the model's default, `.raw` for the logits as they are.
    /// Both are checked; `raw_scores`, when given, decides.
    static func activation(_ body: JSONFields) throws(ServiceError) -> Activation.Function? {
        let raw = try CompatFields.bool(body, "raw_scores")
        let function = try parameter(body, "function_to_apply", .string)
        let chosen: Activation.Function?
        switch function?.lowercased() {
        case nil: chosen = nil
        case "sigmoid": chosen = .sigmoid
        case "softmax": chosen = .softmax
        case "none": chosen = .raw
        case let other?: throw .validation("parameters.function_to_apply must be sigmoid, softmax or none, got '\(other)'")
        }
        if let raw { return raw ? .raw : chosen }
        return chosen
    }

    /// Hugging Face Inference's `parameters.top_k`: how many labels per input, highest first (all
    /// when absent).
    static func topK(_ body: JSONFields) throws(ServiceError) -> Int? {
        guard let topK = try parameter(body, "top_k", .integer) else { return nil }
        guard topK > 0 else { throw .validation("parameters.top_k must be at least 1, got \(topK)") }
        return topK
    }

    private static func parameter<T>(
        _ body: JSONFields, _ name: String, _ type: JSONFieldType<T>
    ) throws(ServiceError) -> T? {
        guard let parameters = body.member("parameters") else { return nil }
        return try CompatFields.read { () throws(JSONFieldError) in
            _ = try parameters.read(.object)
            return try parameters.optional(name, type)
        }
    }
}

extension ServiceState {
    func teiRerank(_ request: HTTPRequest, context: RequestContext) async -> HTTPResponse {
        do throws(ServiceError) {
            let body = try CompatFields.body(request.body)
            let (query, texts) = try CompatFields.read { () throws(JSONFieldError) in
                (
                    try body.required("query", .string),
                    try body.required("texts", .array).map { (item) throws(JSONFieldError) in try item.read(.string) }
                )
            }
            try CompatFields.checkCount(texts.count, field: "texts", limits: configuration.requests)
            let rawScores = try CompatFields.bool(body, "raw_scores") ?? false
            let returnText = try CompatFields.bool(body, "return_text") ?? false
            let job = ScoringJob(
                pairs: texts.map { Pair(prompt: query, response: $0) },
                alpha: try CompatFields.alpha(body, limits: configuration.requests),
                truncate: try TEIRequest.truncate(body, limits: configuration.requests))
            let scores = try await scores(for: job, on: models.default, itemName: "texts", context: context)
            let ranks = RequestValidation.ranking(scores, responses: texts, topK: nil, returnText: returnText).map {
                TEIRank(index: $0.index, text: $0.response, score: rawScores ? $0.score : Activation.sigmoid($0.score))
            }
            return try jsonResponse(ranks)
        } catch {
            return failure(error, dialect: .tei, context: context)
        }
    }

    /// POST /predict and POST /: every label's prediction per input, highest first.
    func teiPredict(_ request: HTTPRequest, context: RequestContext) async -> HTTPResponse {
        do throws(ServiceError) {
            let body = try CompatFields.body(request.body)
            let (pairs, isBatch) = try TEIRequest.predictInputs(body)
            try CompatFields.checkCount(pairs.count, field: "inputs", limits: configuration.requests)
            let activation = try TEIRequest.activation(body) ?? models.default.facts.activation
            let topK = try TEIRequest.topK(body)
            let job = ScoringJob(
                pairs: pairs, alpha: try CompatFields.alpha(body, limits: configuration.requests),
                truncate: try TEIRequest.truncate(body, limits: configuration.requests))
            let (logits, _) = try await classified(job, on: models.default, itemName: "inputs", context: context)
            let predictions = logits.map { Array(ranked(activation.apply($0)).prefix(topK ?? $0.count)) }
            // POST / is Hugging Face Inference's call: always a list per input.
            if isBatch || request.path == "/" { return try jsonResponse(predictions) }
            return try jsonResponse(predictions[0])
        } catch {
            return failure(error, dialect: .tei, context: context)
        }
    }

    /// Highest first; equal values keep label order.
    private func ranked(_ values: [Double]) -> [TEIPrediction] {
        let labels: [String] = models.default.facts.labels
        return values.enumerated()
            .map { TEIPrediction(score: $1, label: labels.indices.contains($0) ? labels[$0] : "LABEL_\($0)") }
            .enumerated().sorted { $0.element.score != $1.element.score ? $0.element.score > $1.element.score : $0.offset < $1.offset }
            .map(\.element)
    }

    func teiTokenize(_ request: HTTPRequest, context: RequestContext) async -> HTTPResponse {
        do throws(ServiceError) {
            let body = try CompatFields.body(request.body)
            guard let inputs = try CompatFields.strings(body, "inputs") else { throw .validation("missing field 'inputs'") }
            try CompatFields.checkCount(inputs.values.count, field: "inputs", limits: configuration.requests)
            let addSpecial = try CompatFields.bool(body, "add_special_tokens") ?? true
            let job = ScoringJob(
                pairs: inputs.values.map { Pair(prompt: $0, response: "") }, alpha: 1,
                truncate: try TEIRequest.truncate(body, limits: configuration.requests))
            let encodings = try PairEncoder.encode(job, model: models.default.model, itemName: "inputs") {
                Task.isCancelled
            }
            return try jsonResponse(encodings.map { Self.tokens($0.ids, $0.tokens, addSpecial: addSpecial) })
        } catch {
            return failure(error, dialect: .tei, context: context)
        }
    }

    /// One text's encoding is `[CLS] text [SEP]`: the first and last tokens are the special ones.
    private static func tokens(_ ids: [Int32], _ texts: [String], addSpecial: Bool) -> [TEIToken] {
        let tokens = zip(ids, texts).enumerated().map { index, token in
            TEIToken(id: token.0, text: token.1, special: index == 0 || index == ids.count - 1)
        }
        return addSpecial ? tokens : tokens.filter { !$0.special }
    }
}
