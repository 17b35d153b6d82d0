// The service's configuration tree: how requests are limited, how the batcher cuts batches, and
// where the HTTP server listens. Values only; the CLI fills it and the service logs it at start-up.
import Batching
import HTTPServer

/// Per-request rules the API enforces before anything is queued.
public struct RequestLimits: Sendable, Equatable {
    /// Most pairs in one `/score` batch or responses in one `/rank` (422 beyond).
    public var maxItemsPerRequest: Int
    /// `alpha` when a request gives none.
    public var defaultAlpha: Double
    /// Whether over-long pairs are truncated when a request does not say (`truncate`).
    public var defaultTruncate: Bool
    /// From a request's arrival until its pairs must have been computed; then 504.
    public var requestTimeout: Duration
    /// The `Retry-After` seconds sent with 429 and 503.
    public var retryAfterSeconds: Int
    /// Most tokens one request may ask for (413 beyond): what the engine can compute well within
    /// `requestTimeout`. Nil until start-up measures the engine (`ServiceRunner`).
    public var maxRequestTokens: Int?

    public init(
        maxItemsPerRequest: Int = 64, defaultAlpha: Double = 1, defaultTruncate: Bool = true,
        requestTimeout: Duration = .seconds(30), retryAfterSeconds: Int = 1, maxRequestTokens: Int? = nil
    ) {
        self.maxItemsPerRequest = maxItemsPerRequest
        self.defaultAlpha = defaultAlpha
        self.defaultTruncate = defaultTruncate
        self.requestTimeout = requestTimeout
        self.retryAfterSeconds = retryAfterSeconds
        self.maxRequestTokens = maxRequestTokens
    }

    /// Everything wrong with these limits; empty when they are usable.
    public var problems: [String] {
        var problems: [String] = []
        if maxItemsPerRequest < 1 { problems.append("maxItemsPerRequest must be at least 1") }
        if !defaultAlpha.isFinite || abs(defaultAlpha) > RequestValidation.maxAlphaMagnitude {
            problems.append("defaultAlpha must be a finite number within ±1e30")
        }
        if requestTimeout <= .zero { problems.append("requestTimeout must be positive") }
        if retryAfterSeconds < 0 { problems.append("retryAfterSeconds must not be negative") }
        if let maxRequestTokens, maxRequestTokens < 1 { problems.append("maxRequestTokens must be at least 1") }
        return problems
    }
}

public struct ServiceConfiguration: Sendable, Equatable {
    public var http: HTTPServerConfiguration
    public var batching: BatchLimits
    public var requests: RequestLimits
    /// When set, /score and /rank need `Authorization: Bearer <key>`.
    public var authorization: BearerAuthorization?

    public init(
        http: HTTPServerConfiguration = HTTPServerConfiguration(), batching: BatchLimits = BatchLimits(),
        requests: RequestLimits = RequestLimits(), authorization: BearerAuthorization? = nil
    ) {
        self.http = http
        self.batching = batching
        self.requests = requests
        self.authorization = authorization
    }

    /// Everything wrong with the whole tree, including limits that contradict each other.
    public var problems: [String] {
        var problems = batching.problems + requests.problems
        if requests.maxItemsPerRequest > batching.maxQueuedItems {
            problems.append(
                "maxItemsPerRequest (\(requests.maxItemsPerRequest)) must not exceed maxQueuedItems "
                    + "(\(batching.maxQueuedItems)): such a request could never be admitted")
        }
        return problems
    }

    /// One line per setting, for the start-up log. The API key itself never appears.
    public var logMetadata: [String: String] {
        [
            "host": http.host, "port": "\(http.port)", "maxBodyBytes": "\(http.limits.maxBodyBytes)",
            "maxBatchTokens": "\(batching.maxBatchTokens)", "maxBatchPairs": "\(batching.maxBatchItems)",
            "maxBatchDelay": "\(batching.maxBatchDelay)", "maxQueuedPairs": "\(batching.maxQueuedItems)",
            "maxQueuedTokens": "\(batching.maxQueuedTokens)", "requestTimeout": "\(requests.requestTimeout)",
            "maxItemsPerRequest": "\(requests.maxItemsPerRequest)", "defaultAlpha": "\(requests.defaultAlpha)",
            "defaultTruncate": "\(requests.defaultTruncate)",
            "maxRequestTokens": requests.maxRequestTokens.map { "\($0)" } ?? "measured at start-up",
            "maxConnections": "\(http.maxConnections)", "maxBufferedBytes": "\(http.maxBufferedBytes)",
            "idleTimeout": "\(http.timeouts.idle)", "headerTimeout": "\(http.timeouts.header)",
            "bodyTimeout": "\(http.timeouts.body)",
            "apiKey": authorization == nil ? "off" : "<redacted>",
        ]
    }
}
