// The whole service over loopback sockets on an ephemeral port: the tiny fixture model under 64
// concurrent clients, a burst against a small queue, a disconnecting client, and graceful shutdown.
import Foundation
import HTTPServer
import TestSupport
import Testing

@testable import RewardService

@Test func concurrentClientsGetTheScoresOfPairsScoredAlone() async throws {
    let (model, goldens) = try loadTinyModel()
    let plans = (0..<64).map { client in
        (0..<20).map { PlannedRequest.make(client: client, request: $0, goldens: goldens) }
    }
    let alone = try AloneScores(model, pairs: plans.flatMap { $0.flatMap(\.pairs) })
    let runner = try ServiceRunner.start(model: model, configuration: testConfiguration(), logger: quietLogger)
    let port = runner.port
    let problems = ErrorList()
    let errors = await runClients(64) { client in
        let connection = try LoopbackClient(port: port)
        for plan in plans[client] {
            let (response, found) = try plan.send(connection, alone: alone)
            if response.status != 200 { problems.append("status \(response.status): \(response.text)") }
            for problem in found { problems.append(problem) }
        }
    }
    #expect(errors.isEmpty, "\(errors.prefix(5))")
    #expect(problems.all.isEmpty, "\(problems.all.count) mismatches, e.g. \(problems.all.prefix(5))")
    let metrics = try await onThread { try LoopbackClient(port: port).get("/metrics").text }
    let batches = try #require(metricValue(metrics, #"reward_batch_size_pairs_count{model="\#(tinyModelName)"}"#))
    let singlePairBatches = try #require(
        metricValue(metrics, #"reward_batch_size_pairs_bucket{model="\#(tinyModelName)",le="1.0"}"#))
    #expect(batches > singlePairBatches, "no batch held more than one pair")
    #expect(metricValue(metrics, #"reward_http_requests_total{endpoint="/score",status="200"}"#) ?? 0 > 0)
    await runner.shutdown()
}

@Test func aBurstAgainstASmallQueueGets429sButNo5xxAndNoCrossedResults() async throws {
    let (model, goldens) = try loadTinyModel()
    var configuration = testConfiguration()
    configuration.batching = .init(maxBatchItems: 2, maxQueuedItems: 4)
    configuration.requests.maxItemsPerRequest = 3
    let plans = (0..<32).map { client in
        (0..<4).map { request -> PlannedRequest in
            switch PlannedRequest.make(client: client, request: request, goldens: goldens) {
            case .batch(let pairs, let alpha): .batch(Array(pairs.prefix(3)), alpha: alpha)
            case .rank(let prompt, let responses, let alpha):
                .rank(prompt: prompt, responses: Array(responses.prefix(3)), alpha: alpha)
            case let single: single
            }
        }
    }
    let alone = try AloneScores(model, pairs: plans.flatMap { $0.flatMap(\.pairs) })
    let runner = try ServiceRunner.start(
        model: HookedModel(model, beforeBatch: { Thread.sleep(forTimeInterval: 0.005) }), configuration: configuration, logger: quietLogger)
    let port = runner.port
    let statuses = Box<[Int: Int]>([:])
    let problems = ErrorList()
    let errors = await runClients(32) { client in
        let connection = try LoopbackClient(port: port)
        for plan in plans[client] {
            let (response, found) = try plan.send(connection, alone: alone)
            for problem in found { problems.append(problem) }
            statuses.withValue { $0[response.status, default: 0] += 1 }
            if response.status == 429 && response.headers["retry-after"] != "1" {
                problems.append("429 without Retry-After")
            }
        }
    }
    #expect(errors.isEmpty, "\(errors.prefix(5))")
    #expect(problems.all.isEmpty, "\(problems.all.prefix(5))")
    let counts = statuses.value
    #expect(counts.values.reduce(0, +) == 32 * 4, "lost answers: \(counts)")
    #expect(counts[429, default: 0] > 0, "no 429 in the burst: \(counts)")
    #expect(counts.keys.allSatisfy { $0 == 200 || $0 == 429 }, "\(counts)")
    let (ready, after) = try await onThread {
        let connection = try LoopbackClient(port: port)
        return (
            try connection.get("/ready").status,
            try connection.post("/score", json: #"{"prompt":"a","response":"b"}"#).status
        )
    }
    #expect(ready == 200)
    #expect(after == 200)
    await runner.shutdown()
}

@Test func aClientThatHangsUpIsCountedAndItsPairsAreNeverComputed() async throws {
    let model = FakeScoringModel()
    var configuration = testConfiguration()
    configuration.batching.maxBatchItems = 1
    let runner = try ServiceRunner.start(model: model, configuration: configuration, logger: quietLogger)
    let port = runner.port
    let batcher = runner.service.state.queue.batcher
    model.hold()
    let running = Task {
        try await onThread {
            // Held in the engine until the rest of the test is done: as long as a loaded machine needs.
            try LoopbackClient(port: port, timeout: .seconds(120)).post(
                "/score", json: #"{"prompt":"running","response":"r"}"#
            ).status
        }
    }
    #expect(await eventually { model.batchesInEngine == 1 })
    try await onThread {
        let client = try LoopbackClient(port: port)
        try client.sendPost("/score", json: #"{"prompt":"gone","response":"r"}"#)
        guard waitUntil({ batcher.stats.queuedItems == 1 }) else { throw ClientError(description: "never queued") }
        client.abort()  // reset with its request still queued
    }
    let metrics = runner.service.metrics
    #expect(
        await eventually {
            metricValue(
                String(decoding: metrics.exposition(), as: UTF8.self),
                #"reward_rejections_total{reason="disconnected"}"#) == 1
        })
    #expect(batcher.stats.queuedItems == 0)
    model.release()
    #expect(try await running.value == 200)
    await runner.shutdown()
    #expect(model.computedPrompts.filter { !$0.hasPrefix("warm") } == ["running"])
}

@Test func shutdownStopsReadinessFinishesInFlightWorkAndStopsListening() async throws {
    let model = FakeScoringModel()
    let runner = try ServiceRunner.start(model: model, configuration: testConfiguration(), logger: quietLogger)
    let port = runner.port
    #expect(try await onThread { try LoopbackClient(port: port).get("/ready").status } == 200)
    model.hold()
    let inFlight = Task {
        try await onThread {
            try LoopbackClient(port: port, timeout: .seconds(120)).post(
                "/score", json: #"{"prompt":"late","response":"r"}"#)
        }
    }
    #expect(await eventually { model.batchesInEngine == 1 })
    let shutdown = Task { await runner.shutdown() }
    #expect(await eventually { runner.service.readiness == .draining })
    #expect(await eventually { (try? LoopbackClient(port: port)) == nil }, "still accepting connections")
    model.release()
    let response = try await inFlight.value
    #expect(response.status == 200)
    #expect(response.headers["connection"] == "close")
    #expect(
        try response.decoded(ScoreResponse.self).score
            == RewardModel.apply(alpha: 1, to: FakeScoringModel.expectedRaw(prompt: "late", response: "r")))
    await shutdown.value
    #expect(runner.service.state.queue.batcher.stats.pendingRequests == 0)
}

@Test func startRecordsTheLoadTimeAndServesInfo() async throws {
    let (model, _) = try loadTinyModel()
    let runner = try ServiceRunner.start(
        model: model, configuration: testConfiguration(), logger: quietLogger, loadStarted: .now - .milliseconds(5))
    let port = runner.port
    let (info, metrics) = try await onThread {
        let client = try LoopbackClient(port: port)
        return (try client.get("/info").decoded(ServiceInfo.self), try client.get("/metrics").text)
    }
    #expect(info.model.layout == "bert-sequence-classification")
    #expect(info.model.maxInputLength == 512)
    #expect((metricValue(metrics, "reward_model_load_seconds") ?? 0) >= 0.005)
    await runner.shutdown()
}

