// The exposition text the metrics produce for known events: family names, labels, bucket placement,
// and which batcher events count as scored work.
import Batching
import Testing

@testable import RewardService

private func exposition(_ record: (ServiceMetrics) -> Void) -> String {
    let metrics = ServiceMetrics(version: "9.9.9")
    record(metrics)
    return String(decoding: metrics.exposition(), as: UTF8.self)
}

@Test func batchEventsFillTheBatchAndQueueFamilies() {
    var stats = BatchQueueStats()
    stats.queuedItems = 5
    stats.queuedTokens = 77
    let text = exposition { metrics in
        let series = metrics.series(model: "a")
        _ = metrics.series(model: "b")
        let waits: [Duration] = [.milliseconds(1), .milliseconds(3), .milliseconds(30)]
        series.observe(.batchStarted(BatchID(rawValue: 1), items: 3, tokens: 300, queueWaits: waits), stats)
        series.observe(
            .batchFinished(BatchID(rawValue: 1), items: 3, tokens: 300, engineTime: .milliseconds(40), error: nil),
            stats)
        series.observe(
            .batchFinished(
                BatchID(rawValue: 2), items: 2, tokens: 20, engineTime: .milliseconds(4), error: FakeEngineFailure()),
            stats)
    }
    let expected: [(String, Double)] = [
        (#"reward_batch_size_pairs_bucket{model="a",le="2.0"}"#, 0),
        (#"reward_batch_size_pairs_bucket{model="a",le="4.0"}"#, 1),
        (#"reward_batch_size_tokens_bucket{model="a",le="256.0"}"#, 0),
        (#"reward_batch_size_tokens_bucket{model="a",le="512.0"}"#, 1),
        (#"reward_queue_wait_seconds_bucket{model="a",le="0.002"}"#, 1),
        (#"reward_queue_wait_seconds_bucket{model="a",le="0.005"}"#, 2),
        (#"reward_queue_wait_seconds_count{model="a"}"#, 3), (#"reward_engine_batch_seconds_count{model="a"}"#, 2),
        // A failed batch took engine time but scored nothing.
        (#"reward_pairs_scored_total{model="a"}"#, 3), (#"reward_tokens_scored_total{model="a"}"#, 300),
        (#"reward_queue_depth_pairs{model="a"}"#, 5), (#"reward_queue_depth_tokens{model="a"}"#, 77),
        // Another served model's series exist from the start, at zero.
        (#"reward_pairs_scored_total{model="b"}"#, 0), (#"reward_queue_depth_pairs{model="b"}"#, 0),
        (#"reward_batch_size_pairs_count{model="b"}"#, 0),
    ]
    for (series, value) in expected { #expect(metricValue(text, series) == value, "\(series)") }
}

@Test func requestsRejectionsLoadTimeAndBuildInfoAreLabelled() {
    let text = exposition { metrics in
        metrics.recordRequest(path: "/score", status: 200, latency: .milliseconds(12))
        metrics.recordRequest(path: "/score", status: 429, latency: .milliseconds(1))
        metrics.recordRequest(path: "/secret/\(UInt64.random(in: 0...UInt64.max))", status: 404, latency: .zero)
        metrics.recordRejection("overloaded")
        metrics.recordModelLoad(.milliseconds(1500))
        _ = metrics.series(model: "m")
    }
    #expect(metricValue(text, #"reward_http_requests_total{endpoint="/score",status="200"}"#) == 1)
    #expect(metricValue(text, #"reward_http_requests_total{endpoint="/score",status="429"}"#) == 1)
    #expect(metricValue(text, #"reward_http_requests_total{endpoint="other",status="404"}"#) == 1)
    #expect(metricValue(text, #"reward_http_request_duration_seconds_bucket{endpoint="/score",le="0.01"}"#) == 1)
    #expect(metricValue(text, #"reward_http_request_duration_seconds_bucket{endpoint="/score",le="0.025"}"#) == 2)
    #expect(metricValue(text, #"reward_rejections_total{reason="overloaded"}"#) == 1)
    #expect(metricValue(text, #"reward_rejections_total{reason="timeout"}"#) == 0)
    #expect(metricValue(text, "reward_model_load_seconds") == 1.5)
    #expect(metricValue(text, #"reward_build_info{version="9.9.9"}"#) == 1)
    for family in [
        "reward_http_requests_total counter", "reward_http_request_duration_seconds histogram",
        "reward_rejections_total counter", "reward_queue_depth_pairs gauge", "reward_build_info gauge",
    ] {
        #expect(text.contains("# TYPE \(family)"), "\(family)")
    }
    #expect(!text.contains("secret"), "unknown paths must not become label values")
}

@Test func aNegativeDurationIsRecordedAsZeroInsteadOfTrapping() {
    let metrics = ServiceMetrics(version: "test")
    metrics.recordRequest(path: "/score", status: 200, latency: .milliseconds(-5))
    let text = String(decoding: metrics.exposition(), as: UTF8.self)
    #expect(metricValue(text, #"reward_http_request_duration_seconds_bucket{endpoint="/score",le="0.001"}"#) == 1)
}
