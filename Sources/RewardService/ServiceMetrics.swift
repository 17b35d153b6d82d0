// The service's Prometheus metrics on one registry instance (no global): HTTP requests, the
// batcher's events, rejections, model load time and build info. Recording only; no decisions.
// The batcher's series carry a `model` label (the served model's name), one set per model.
import Batching
import Prometheus

public final class ServiceMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let modelLoadSeconds: Gauge

    /// Endpoints counted by name; anything else is counted as `other` so labels stay bounded.
    static let endpoints = Set(["/score", "/rank", "/health", "/ready", "/metrics", "/info", "/openapi.json"])
        .union(ServiceState.compatibilityPaths)
    static let latencyBuckets: [Duration] = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000]
        .map { .milliseconds($0) }

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), version: String) {
        self.registry = registry
        modelLoadSeconds = registry.makeGauge(
            descriptor: Self.name("model_load", "seconds", "Time to load the model and run the warm-up pass"))
        registry.makeGauge(
            descriptor: Self.name("build", "info", "Build information; the value is always 1"),
            labels: [("version", version)]
        ).set(to: 1.0)
        for reason in [
            "overloaded", "deadline_unreachable", "timeout", "disconnected", "validation", "unauthorized", "malformed", "slow_client",
            "server_busy",
        ] { _ = rejectionCounter(reason) }
    }

    static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "reward", metricName: metric, unitName: unit, helpText: help)
    }

    /// The Prometheus text exposition.
    public func exposition() -> [UInt8] { registry.emitToBuffer() }

    func recordRequest(path: String, status: Int, latency: Duration) {
        let endpoint = Self.endpoints.contains(path) ? path : "other"
        registry.makeCounter(
            descriptor: Self.name("http_requests", "total", "HTTP requests answered, by endpoint and status"),
            labels: [("endpoint", endpoint), ("status", "\(status)")]
        ).increment()
        registry.makeDurationHistogram(
            descriptor: Self.name("http_request_duration", "seconds", "Time from a request's arrival to its answer"),
            labels: [("endpoint", endpoint)], buckets: Self.latencyBuckets
        ).record(Self.nonNegative(latency))
    }

    func recordRejection(_ reason: String) { rejectionCounter(reason).increment() }

    func recordModelLoad(_ duration: Duration) { modelLoadSeconds.set(to: duration.seconds) }

    /// The batcher's series for the served model `model`, made (at zero) when the model is served.
    func series(model: String) -> ModelSeries { ModelSeries(registry: registry, model: model) }

    /// swift-prometheus traps on a negative duration; a clock read out of order must not crash the server.
    static func nonNegative(_ duration: Duration) -> Duration { max(.zero, duration) }

    private func rejectionCounter(_ reason: String) -> Counter {
        registry.makeCounter(
            descriptor: Self.name("rejections", "total", "Requests refused or abandoned, by reason"),
            labels: [("reason", reason)])
    }
}

/// One served model's batcher series: batch sizes, queue wait, engine time, scored work, queue depth.
struct ModelSeries: Sendable {
    private let queueWait: DurationHistogram
    private let engineTime: DurationHistogram
    private let batchPairs: ValueHistogram
    private let batchTokens: ValueHistogram
    private let pairsScored: Counter
    private let tokensScored: Counter
    private let queueDepthPairs: Gauge
    private let queueDepthTokens: Gauge

    init(registry: PrometheusCollectorRegistry, model: String) {
        let labels = [("model", model)]
        let name = ServiceMetrics.name
        queueWait = registry.makeDurationHistogram(
            descriptor: name("queue_wait", "seconds", "Time a pair waited in the queue before its batch ran"),
            labels: labels, buckets: ServiceMetrics.latencyBuckets)
        engineTime = registry.makeDurationHistogram(
            descriptor: name(
                "engine_batch", "seconds", "Engine time per batch, waiting for the engine's turn included"),
            labels: labels, buckets: ServiceMetrics.latencyBuckets)
        batchPairs = registry.makeValueHistogram(
            descriptor: name("batch_size", "pairs", "Pairs per engine batch"), labels: labels,
            buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256])
        batchTokens = registry.makeValueHistogram(
            descriptor: name("batch_size", "tokens", "Tokens per engine batch"), labels: labels,
            buckets: [16, 64, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768])
        pairsScored = registry.makeCounter(
            descriptor: name("pairs_scored", "total", "Pairs the engine scored"), labels: labels)
        tokensScored = registry.makeCounter(
            descriptor: name("tokens_scored", "total", "Tokens the engine scored"), labels: labels)
        queueDepthPairs = registry.makeGauge(
            descriptor: name("queue_depth", "pairs", "Pairs waiting in the queue"), labels: labels)
        queueDepthTokens = registry.makeGauge(
            descriptor: name("queue_depth", "tokens", "Tokens of the pairs waiting in the queue"), labels: labels)
    }

    /// The model's batcher observer.
    func observe(_ event: BatchingEvent, _ stats: BatchQueueStats) {
        queueDepthPairs.set(to: Double(stats.queuedItems))
        queueDepthTokens.set(to: Double(stats.queuedTokens))
        switch event {
        case .batchStarted(_, let items, let tokens, let waits):
            batchPairs.record(Double(items))
            batchTokens.record(Double(tokens))
            for wait in waits { queueWait.record(ServiceMetrics.nonNegative(wait)) }
        case .batchFinished(_, let items, let tokens, let engineTime, let error):
            self.engineTime.record(ServiceMetrics.nonNegative(engineTime))
            if error == nil {
                pairsScored.increment(by: Int64(items))
                tokensScored.increment(by: Int64(tokens))
            }
        case .admitted, .rejected, .expired, .cancelled:
            break
        }
    }
}

extension Duration {
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
