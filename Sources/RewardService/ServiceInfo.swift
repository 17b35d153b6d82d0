// The body of GET /info: the default model, every served model, the limits and batching settings in
// force, the version; and
// beside them the fields text-embeddings-inference clients read from its /info (`model_id`,
// `max_client_batch_size`, …), which describe the same settings in TEI's terms.
import Batching

struct ServiceInfo: Codable, Sendable, Equatable {
    struct Limits: Codable, Sendable, Equatable {
        var maxItemsPerRequest: Int
        var maxBodyBytes: Int
        var requestTimeoutSeconds: Double
        var defaultAlpha: Double
        var defaultTruncate: Bool
        /// Nil only before start-up has measured the engine.
        var maxRequestTokens: Int?

        enum CodingKeys: String, CodingKey {
            case maxItemsPerRequest = "max_items_per_request"
            case maxBodyBytes = "max_body_bytes"
            case requestTimeoutSeconds = "request_timeout_seconds"
            case defaultAlpha = "default_alpha"
            case defaultTruncate = "default_truncate"
            case maxRequestTokens = "max_request_tokens"
        }
    }

    struct Batching: Codable, Sendable, Equatable {
        var maxBatchTokens: Int
        var maxBatchPairs: Int
        var maxBatchDelaySeconds: Double
        var maxQueuedPairs: Int
        var maxQueuedTokens: Int

        enum CodingKeys: String, CodingKey {
            case maxBatchTokens = "max_batch_tokens"
            case maxBatchPairs = "max_batch_pairs"
            case maxBatchDelaySeconds = "max_batch_delay_seconds"
            case maxQueuedPairs = "max_queued_pairs"
            case maxQueuedTokens = "max_queued_tokens"
        }
    }

    /// TEI's `model_type` for a classifier: `{"classifier": {"id2label", "label2id"}}`.
    struct TEIModelType: Codable, Sendable, Equatable {
        struct Classifier: Codable, Sendable, Equatable {
            var id2label: [String: String]
            var label2id: [String: Int]
        }

        var classifier: Classifier
    }

    /// One served model: the name requests choose it by, and its own request-token limit.
    struct ServedModelInfo: Codable, Sendable, Equatable {
        var name: String
        var isDefault: Bool
        var model: ModelDescription
        var maxRequestTokens: Int?

        enum CodingKeys: String, CodingKey {
            case name
            case isDefault = "default"
            case model
            case maxRequestTokens = "max_request_tokens"
        }
    }

    var version: String
    /// The default model.
    var model: ModelDescription
    /// Every served model, the default first.
    var models: [ServedModelInfo]?
    var limits: Limits
    var batching: Batching
    // TEI's fields.
    var modelID: String?
    var modelDtype: String?
    var modelType: TEIModelType?
    var maxConcurrentRequests: Int?
    var maxInputLength: Int?
    var maxBatchTokens: Int?
    var maxBatchRequests: Int?
    var maxClientBatchSize: Int?
    var autoTruncate: Bool?

    enum CodingKeys: String, CodingKey {
        case version, model, models, limits, batching
        case modelID = "model_id"
        case modelDtype = "model_dtype"
        case modelType = "model_type"
        case maxConcurrentRequests = "max_concurrent_requests"
        case maxInputLength = "max_input_length"
        case maxBatchTokens = "max_batch_tokens"
        case maxBatchRequests = "max_batch_requests"
        case maxClientBatchSize = "max_client_batch_size"
        case autoTruncate = "auto_truncate"
    }

    /// The service's answer: every served model, and TEI's fields for the default one.
    init(models: ServedModels, configuration: ServiceConfiguration) {
        let served = models.default
        self.init(model: served.model.modelDescription, configuration: configuration, facts: served.facts)
        self.models = models.all.enumerated().map { index, served in
            ServedModelInfo(
                name: served.name, isDefault: index == 0, model: served.model.modelDescription,
                maxRequestTokens: served.requests.maxRequestTokens)
        }
    }

    /// With `facts`, TEI's fields are filled in too.
    init(model: ModelDescription, configuration: ServiceConfiguration, facts: ModelFacts) {
        self.init(model: model, configuration: configuration)
        modelID = facts.id
        modelDtype = "float32"
        let ids = facts.labels.indices
        modelType = TEIModelType(
            classifier: .init(
                id2label: Dictionary(uniqueKeysWithValues: ids.map { ("\($0)", facts.labels[$0]) }),
                label2id: Dictionary(facts.labels.enumerated().map { ($1, $0) }) { first, _ in first }))
        maxConcurrentRequests = configuration.http.maxConnections
        maxInputLength = model.maxInputLength
        maxBatchTokens = configuration.batching.maxBatchTokens
        maxBatchRequests = configuration.batching.maxBatchItems
        maxClientBatchSize = configuration.requests.maxItemsPerRequest
        autoTruncate = configuration.requests.defaultTruncate
    }

    init(model: ModelDescription, configuration: ServiceConfiguration) {
        version = RewardService.version
        self.model = model
        let requests = configuration.requests
        limits = Limits(
            maxItemsPerRequest: requests.maxItemsPerRequest, maxBodyBytes: configuration.http.limits.maxBodyBytes,
            requestTimeoutSeconds: requests.requestTimeout.seconds, defaultAlpha: requests.defaultAlpha,
            defaultTruncate: requests.defaultTruncate, maxRequestTokens: requests.maxRequestTokens)
        let batching = configuration.batching
        self.batching = Batching(
            maxBatchTokens: batching.maxBatchTokens, maxBatchPairs: batching.maxBatchItems,
            maxBatchDelaySeconds: batching.maxBatchDelay.seconds, maxQueuedPairs: batching.maxQueuedItems,
            maxQueuedTokens: batching.maxQueuedTokens)
    }
}
