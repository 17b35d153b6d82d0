// What happens to requests inside the queue, through the handler with a held fake engine: overload
// (429 + Retry-After, nothing admitted lost), deadlines (504, work dropped) and client disconnects
// (work dropped before compute), each counted in /metrics.
import Foundation
import Testing

@testable import HTTPServer
@testable import RewardService

private func scoreRequest(_ prompt: String) -> HTTPRequest {
    post("/score", json: "{\"prompt\":\"\(prompt)\",\"response\":\"r\"}")
}

/// Starts `/score` for `prompt` in a child task.
private func startScore(_ service: RewardService, _ prompt: String, context: RequestContext = .detached())
    -> Task<HTTPResponse, Never>
{
    Task { await service.handle(scoreRequest(prompt), context: context) }
}

private func metrics(_ service: RewardService) -> String {
    String(decoding: service.metrics.exposition(), as: UTF8.self)
}

@Test func aFullQueueAnswers429WithRetryAfterAndLosesNothingAdmitted() async throws {
    let model = FakeScoringModel()
    let service = makeService(model: model) {
        $0.batching.maxQueuedItems = 2
        $0.batching.maxBatchItems = 1
        $0.requests.maxItemsPerRequest = 2
    }
    model.hold()
    let running = startScore(service, "running")
    #expect(await eventually { model.batchesInEngine == 1 })
    let queued = [startScore(service, "q1"), startScore(service, "q2")]
    #expect(await eventually { service.state.queue.batcher.stats.queuedItems == 2 })
    let refused = await service.call(scoreRequest("refused"))
    #expect(refused.status.code == 429)
    #expect(refused.errorType == "overloaded")
    #expect(refused.headers["retry-after"] == "1")
    model.release()
    for (task, prompt) in zip([running] + queued, ["running", "q1", "q2"]) {
        let response = await task.value
        #expect(
            try response.decoded(ScoreResponse.self).score
                == RewardModel.apply(alpha: 1, to: FakeScoringModel.expectedRaw(prompt: prompt, response: "r")))
    }
    #expect(!model.computedPrompts.contains("refused"))
    #expect(metricValue(metrics(service), #"reward_rejections_total{reason="overloaded"}"#) == 1)
    #expect(metricValue(metrics(service), #"reward_http_requests_total{endpoint="/score",status="429"}"#) == 1)
    await service.drainQueue()
}

@Test func aRequestPastItsDeadlineGets504AndIsNeverComputed() async throws {
    let model = FakeScoringModel()
    let service = makeService(model: model) {
        $0.requests.requestTimeout = .milliseconds(150)
        $0.batching.maxBatchItems = 1
    }
    model.hold()
    // The running request's clock starts a minute late, so however slowly this machine gets it to the
    // engine, only the second request can meet its 150 ms deadline in the queue.
    let patient = RequestContext(requestID: "patient", logger: quietLogger, start: .now + .seconds(60))
    let running = startScore(service, "running", context: patient)
    #expect(await eventually { model.batchesInEngine == 1 })
    let late = await service.call(scoreRequest("late"))
    #expect(late.status.code == 504)
    #expect(late.errorType == "deadline_exceeded")
    model.release()
    _ = await running.value
    await service.drainQueue()
    #expect(model.computedPrompts == ["running"])
    #expect((metricValue(metrics(service), #"reward_rejections_total{reason="timeout"}"#) ?? 0) >= 1)
}

@Test func aDisconnectedClientsQueuedPairsAreDroppedBeforeCompute() async throws {
    let model = FakeScoringModel()
    let service = makeService(model: model) { $0.batching.maxBatchItems = 1 }
    model.hold()
    let running = startScore(service, "running")
    #expect(await eventually { model.batchesInEngine == 1 })
    let gone = startScore(service, "gone")
    #expect(await eventually { service.state.queue.batcher.stats.queuedItems == 1 })
    gone.cancel()
    let response = await gone.value
    #expect(response.errorType == "client_disconnected")
    #expect(await eventually { service.state.queue.batcher.stats.queuedItems == 0 })
    model.release()
    _ = await running.value
    await service.drainQueue()
    #expect(model.computedPrompts == ["running"])
    #expect(metricValue(metrics(service), #"reward_rejections_total{reason="disconnected"}"#) == 1)
}

@Test func aPairBatchIsSplitAcrossEngineBatchesAndReassembledInOrder() async throws {
    let model = FakeScoringModel()
    let service = makeService(model: model) { $0.batching.maxBatchItems = 3 }
    let pairs = (0..<8).map { "{\"prompt\":\"p\($0)\",\"response\":\"r\"}" }.joined(separator: ",")
    let response = await service.call(post("/score", json: "{\"pairs\":[\(pairs)]}"))
    let scores = try response.decoded(BatchScoreResponse.self).scores
    #expect(
        scores
            == (0..<8).map {
                RewardModel.apply(alpha: 1, to: FakeScoringModel.expectedRaw(prompt: "p\($0)", response: "r"))
            })
    #expect(model.batches.map(\.count) == [3, 3, 2])
    await service.drainQueue()
}
