// The body of GET /info: the model, the limits and batching settings in force, the version.
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

    var version: String
    var model: ModelDescription
    var limits: Limits
    var batching: Batching

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
