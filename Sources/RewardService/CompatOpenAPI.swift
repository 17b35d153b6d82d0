// The compatibility routes' part of GET /openapi.json: their paths, request and answer schemas, and
// their error bodies (each API's own shape; the HTTP layer's and the router's rejections keep the
// product's shape, hence anyOf). OpenAPIDocument splices these fragments into the document.
// Cross-field rules a schema cannot state (OpenRLHF's one prompt per query, vLLM's N-to-N lists of
// equal length) are in the descriptions; Scripts/schemathesis.toml tells schemathesis about them.
enum CompatOpenAPI {
    /// `"path": {...}` entries, each preceded by a comma, for the `paths` object.
    static func paths(_ configuration: ServiceConfiguration) -> String {
        let security = configuration.authorization == nil ? "" : #""security": [{"apiKey": []}],"#
        func post(_ id: String, _ summary: String, _ request: String, _ ok: String, _ errors: String) -> String {
            """
            {"post": {"operationId": "\(id)", \(security) "summary": "\(summary)",
              "requestBody": {"required": true, "content": {"application/json": {"schema": \(request)}}},
              "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": \(ok)}}}, \(errors)}}}
            """
        }
        let models = """
            {"get": {"operationId": "vllmModels", \(security) "summary": "vLLM / OpenAI: the served models, the default first",
              "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ModelList"}}}}, \(errors("OpenAIError", validation: false))}}}
            """
        let entries: [(String, String)] = [
            ("/get_reward", post("openRLHFGetReward", "OpenRLHF remote reward model: raw reward × alpha per query", ref("GetRewardRequest"), ref("GetRewardResponse"), errors("FastAPIError"))),
            ("/classify", post("vllmClassify", "vLLM classify: per input, a probability per label (sigmoid for one label or a multi-label classifier, softmax over several single-label classes; the logits with use_activation false)", ref("ClassifyRequest"), ref("ClassifyResponse"), errors("OpenAIError", validation: false))),
            ("/v1/score", post("vllmScore", "vLLM score (also POST /score with these fields): 1-to-N or N-to-N pairs, sigmoid unless use_activation is false", ref("VLLMScoreRequest"), ref("VLLMScoreResponse"), errors("OpenAIError", validation: false))),
            ("/v1/models", models),
            ("/rerank", post("rerank", "TEI rerank (with texts; sigmoid unless raw_scores) or, with documents, Cohere/Jina rerank as vLLM serves it (raw reward × alpha)", #"{"oneOf": [\#(ref("TEIRerankRequest")), \#(ref("RerankDocumentsRequest"))]}"#, #"{"oneOf": [\#(ref("TEIRerankResponse")), \#(ref("CohereRerankResponse"))]}"#, errors("TEIError", "CohereError"))),
            ("/v1/rerank", post("cohereRerankV1", "Cohere v1 / Jina rerank: raw reward × alpha, highest first", ref("CohereRerankRequest"), ref("CohereRerankResponse"), errors("CohereError"))),
            ("/v2/rerank", post("cohereRerankV2", "Cohere v2 rerank: raw reward × alpha, highest first", ref("CohereRerankRequest"), ref("CohereRerankResponse"), errors("CohereError"))),
            ("/predict", post("teiPredict", "TEI predict: one text, one [text, text_pair], or a batch of them; every label, highest first; the model's activation unless raw_scores", ref("PredictRequest"), #"{"oneOf": [\#(ref("Predictions")), {"type": "array", "items": \#(ref("Predictions"))}]}"#, errors("TEIError"))),
            ("/tokenize", post("teiTokenize", "TEI tokenize: the tokens the engine sees per input (offsets are not kept: null)", ref("TokenizeRequest"), ref("TokenizeResponse"), errors("TEIError"))),
            ("/", post("inferenceTextClassification", "Hugging Face Inference text-classification (as TEI serves it): a list of label scores per input, highest first (the first top_k)", ref("InferenceRequest"), #"{"type": "array", "items": \#(ref("Predictions"))}"#, errors("TEIError"))),
        ]
        return entries.map { ",\n\"\($0.0)\": \($0.1)" }.joined()
    }

    private static func ref(_ name: String) -> String { ##"{"$ref": "#/components/schemas/\##(name)"}"## }

    /// Error responses with the route's shapes (or the product's, for what the HTTP layer answers).
    /// vLLM answers validation failures with 400, so its routes document no 422.
    private static func errors(_ shapes: String..., validation: Bool = true) -> String {
        let schema = #"{"anyOf": [\#((shapes + ["Error"]).map(ref).joined(separator: ", "))]}"#
        let content = #"{"application/json": {"schema": \#(schema)}}"#
        let retry = ##""headers": {"Retry-After": {"$ref": "#/components/headers/Retry-After"}},"##
        var statuses = [
            ("400", "Not JSON, or (vLLM) a body that breaks the rules", ""), ("401", "API key missing or wrong", ""),
            ("404", "The request's model is not served", ""),
            ("413", "Body, item count or token cost over a limit", ""), ("415", "Not a JSON body", ""),
            ("429", "The queue is full", retry), ("500", "Internal failure", ""),
            ("503", "Not ready, shutting down or at capacity", retry), ("504", "Deadline passed", ""),
        ]
        if validation { statuses.append(("422", "A missing or wrongly typed field, an empty list, a bad value", "")) }
        return statuses.map { #""\#($0.0)": {"description": "\#($0.1)", \#($0.2) "content": \#(content)}"# }
            .joined(separator: ", ")
    }

    /// Schemas, each preceded by a comma, for `components.schemas`.
    static func schemas(_ configuration: ServiceConfiguration, alpha: String, model: String) -> String {
        let max = configuration.requests.maxItemsPerRequest
        let text = #"{"type": "string"}"#
        let texts = #"{"type": "array", "minItems": 1, "maxItems": \#(max), "items": \#(text)}"#
        let textOrTexts = #"{"oneOf": [\#(text), \#(texts)]}"#
        let flag = #"{"type": ["boolean", "null"]}"#
        let truncation = #"{"type": ["string", "null"], "pattern": "^[Rr][Ii][Gg][Hh][Tt]$", "description": "Only right truncation is served"}"#
        let pair = #"{"type": "array", "minItems": 2, "maxItems": 2, "items": \#(text)}"#
        let number = #"{"type": "number"}"#
        let textPair = #"{"type": "object", "required": ["text"], "properties": {"text": \#(text), "text_pair": {"type": ["string", "null"]}}}"#
        let batch = #"{"type": "array", "minItems": 1, "maxItems": \#(max), "items": {"oneOf": [\#(text), \#(pair)]}, "not": \#(pair)}"#
        // TEI's forms: a text, a [text, text_pair], a batch of those; and Hugging Face Inference's object.
        let predictInputs = #"{"oneOf": [\#(text), \#(pair), \#(batch), \#(textPair)]}"#
        let usage = #"{"type": "object", "required": ["prompt_tokens", "total_tokens"], "properties": {"prompt_tokens": {"type": "integer"}, "total_tokens": {"type": "integer"}}}"#
        func fieldPair(_ first: String, _ second: String, others: [String]) -> String {
            #"{"type": "object", "required": ["\#(first)", "\#(second)"], "properties": {"\#(first)": \#(textOrTexts), "\#(second)": \#(textOrTexts), "model": \#(model), "use_activation": \#(flag), "activation": \#(flag), "softmax": \#(flag), "alpha": \#(alpha)}, "not": {"anyOf": [\#(others.map { #"{"required": ["\#($0)"]}"# }.joined(separator: ", "))]}}"#
        }
        let schemas: [(String, String)] = [
            ("FastAPIError", #"{"type": "object", "required": ["detail"], "properties": {"detail": {"type": "string"}}}"#),
            ("CohereError", #"{"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}}}"#),
            ("TEIError", #"{"type": "object", "required": ["error", "error_type"], "properties": {"error": {"type": "string"}, "error_type": {"type": "string", "enum": ["Validation", "Overloaded", "Unhealthy", "Backend"]}}}"#),
            ("OpenAIError", #"{"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "required": ["message", "type", "code"], "properties": {"message": {"type": "string"}, "type": {"type": "string"}, "param": {"type": "null"}, "code": {"type": "integer"}}}}}"#),
            ("GetRewardRequest", #"{"type": "object", "required": ["query"], "description": "An empty query list is answered with empty lists. No item limit: a request over max_request_tokens (GET /info) is refused with 413. prompts, when given, has one entry per query; a non-empty prompt that begins its query splits it into (prompt, rest).", "properties": {"query": {"type": "array", "items": \#(text)}, "prompts": {"type": ["array", "null"], "items": \#(text)}, "labels": {"description": "Ignored"}, "alpha": \#(alpha), "model": \#(model)}}"#),
            ("GetRewardResponse", #"{"type": "object", "required": ["rewards", "scores", "extra_logs"], "properties": {"rewards": {"type": "array", "items": \#(number)}, "scores": {"type": "array", "items": \#(number)}, "extra_logs": {"type": "object"}}}"#),
            ("ClassifyRequest", #"{"type": "object", "required": ["input"], "properties": {"input": \#(textOrTexts), "model": \#(model), "use_activation": \#(flag), "activation": \#(flag), "softmax": \#(flag), "alpha": \#(alpha)}}"#),
            ("ClassifyResponse", #"{"type": "object", "required": ["id", "object", "created", "model", "data", "usage"], "properties": {"id": \#(text), "object": \#(text), "created": {"type": "integer"}, "model": \#(text), "usage": \#(usage), "data": {"type": "array", "items": {"type": "object", "required": ["index", "label", "probs", "num_classes"], "properties": {"index": {"type": "integer"}, "label": \#(text), "probs": {"type": "array", "items": \#(number)}, "num_classes": {"type": "integer"}}}}}}"#),
            ("VLLMScoreRequest", #"{"description": "One first text against N second texts, or N against N (lists of equal length).", "oneOf": [\#(fieldPair("text_1", "text_2", others: ["queries", "documents", "data_1", "data_2"])), \#(fieldPair("queries", "documents", others: ["text_1", "text_2", "data_1", "data_2"])), \#(fieldPair("data_1", "data_2", others: ["text_1", "text_2", "queries", "documents"]))]}"#),
            ("VLLMScoreResponse", #"{"type": "object", "required": ["id", "object", "created", "model", "data", "usage"], "properties": {"id": \#(text), "object": \#(text), "created": {"type": "integer"}, "model": \#(text), "usage": \#(usage), "data": {"type": "array", "items": {"type": "object", "required": ["index", "object", "score"], "properties": {"index": {"type": "integer"}, "object": \#(text), "score": \#(number)}}}}}"#),
            ("ModelList", #"{"type": "object", "required": ["object", "data"], "properties": {"object": \#(text), "data": {"type": "array", "items": {"type": "object", "required": ["id", "object", "created", "owned_by"], "properties": {"id": \#(text), "object": \#(text), "created": {"type": "integer"}, "owned_by": \#(text), "root": \#(text), "max_model_len": {"type": "integer"}}}}}}"#),
            ("TEIRerankRequest", #"{"type": "object", "required": ["query", "texts"], "properties": {"query": \#(text), "texts": \#(texts), "raw_scores": \#(flag), "return_text": \#(flag), "truncate": \#(flag), "truncation_direction": \#(truncation), "alpha": \#(alpha)}}"#),
            ("TEIRerankResponse", #"{"type": "array", "items": {"type": "object", "required": ["index", "score"], "properties": {"index": {"type": "integer"}, "score": \#(number), "text": \#(text)}}}"#),
            ("CohereRerankRequest", #"{"type": "object", "required": ["query", "documents"], "properties": {"query": \#(text), "documents": {"type": "array", "minItems": 1, "maxItems": \#(max), "items": {"oneOf": [\#(text), {"type": "object", "required": ["text"], "properties": {"text": \#(text)}}]}}, "top_n": {"type": ["integer", "null"], "minimum": 1}, "return_documents": \#(flag), "model": \#(model), "alpha": \#(alpha)}}"#),
            ("RerankDocumentsRequest", #"{"allOf": [\#(ref("CohereRerankRequest")), {"not": {"required": ["texts"]}}]}"#),
            ("CohereRerankResponse", #"{"type": "object", "required": ["id", "results", "meta"], "properties": {"id": \#(text), "model": \#(text), "meta": {"type": "object"}, "usage": {"type": "object"}, "results": {"type": "array", "items": {"type": "object", "required": ["index", "relevance_score"], "properties": {"index": {"type": "integer"}, "relevance_score": \#(number), "document": {"type": "object", "required": ["text"], "properties": {"text": \#(text)}}}}}}}"#),
            ("Predictions", #"{"type": "array", "items": {"type": "object", "required": ["score", "label"], "properties": {"score": \#(number), "label": \#(text)}}}"#),
            ("PredictRequest", #"{"type": "object", "required": ["inputs"], "properties": {"inputs": \#(predictInputs), "raw_scores": \#(flag), "truncate": \#(flag), "truncation_direction": \#(truncation), "alpha": \#(alpha)}}"#),
            ("InferenceRequest", #"{"type": "object", "required": ["inputs"], "properties": {"inputs": \#(predictInputs), "parameters": {"type": ["object", "null"], "properties": {"function_to_apply": {"type": ["string", "null"], "pattern": "^([Ss][Ii][Gg][Mm][Oo][Ii][Dd]|[Ss][Oo][Ff][Tt][Mm][Aa][Xx]|[Nn][Oo][Nn][Ee])$"}, "top_k": {"type": ["integer", "null"], "minimum": 1}}}, "raw_scores": \#(flag), "truncate": \#(flag), "truncation_direction": \#(truncation), "alpha": \#(alpha)}}"#),
            ("TokenizeRequest", #"{"type": "object", "required": ["inputs"], "properties": {"inputs": \#(textOrTexts), "add_special_tokens": \#(flag), "truncate": \#(flag), "truncation_direction": \#(truncation)}}"#),
            ("TokenizeResponse", #"{"type": "array", "items": {"type": "array", "items": {"type": "object", "required": ["id", "text", "special", "start", "stop"], "properties": {"id": {"type": "integer"}, "text": \#(text), "special": {"type": "boolean"}, "start": {"type": ["integer", "null"]}, "stop": {"type": ["integer", "null"]}}}}}"#),
        ]
        return schemas.map { ",\n\"\($0.0)\": \($0.1)" }.joined()
    }
}
