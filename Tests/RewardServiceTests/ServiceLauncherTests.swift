// Start-up from the first second: the launcher listens before the model exists; probes answer from
// the head with the phase (resolving, downloading with bytes, loading, warming up); the other routes
// answer 503 + Retry-After (401 first when the key is missing) until the service is installed; a
// shutdown before ready stops listening without waiting for the preparation.
import Foundation
import HTTPServer
import TestSupport
import Testing

@testable import RewardService

/// /ready's start-up body, as a client reads it.
private struct StartupBody: Decodable {
    struct Download: Decodable {
        var file: String
        var bytesDone: Int64
        var bytesTotal: Int64?

        enum CodingKeys: String, CodingKey {
            case file
            case bytesDone = "bytes_done"
            case bytesTotal = "bytes_total"
        }
    }
    var status: String
    var phase: String
    var model: String?
    var download: Download?
}

/// Lets a test hold the preparation at a point and release it with a model.
private final class PreparationGate: Sendable {
    private let model = Box<(any ScoringModel)?>(nil)
    let reached = Box(false)

    func release(with scoringModel: any ScoringModel) { model.value = scoringModel }

    func prepare(_ progress: StartupProgress) async throws -> any ScoringModel {
        progress.set(.loading)
        reached.value = true
        while true {
            if let ready = model.value { return ready }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}

@Test func probesAnswerWithThePhaseBeforeTheModelExistsThenTheServiceTakesOver() async throws {
    let launcher = try ServiceLauncher.listen(configuration: testConfiguration(), logger: quietLogger)
    let port = launcher.port
    let phase = try await onThread { try LoopbackClient(port: port).get("/ready") }
    #expect(phase.status == 503)
    #expect(phase.headers["retry-after"] != nil)
    #expect(try phase.decoded(StartupBody.self).phase == "resolving")

    launcher.progress.downloading(file: "model.safetensors", bytesDone: 1200, bytesTotal: 5000)
    // A 503 from the head closes a connection that announced a body: one connection per request.
    let (health, ready, score, info, metrics, missing) = try await onThread {
        (
            try LoopbackClient(port: port).get("/health"), try LoopbackClient(port: port).get("/ready"),
            try LoopbackClient(port: port).post("/score", json: #"{"prompt":"a","response":"b"}"#),
            try LoopbackClient(port: port).get("/info"), try LoopbackClient(port: port).get("/metrics"),
            try LoopbackClient(port: port).get("/nowhere")
        )
    }
    #expect(health.status == 200)
    let body = try ready.decoded(StartupBody.self)
    #expect(body.status == "starting" && body.phase == "downloading")
    #expect(body.download?.file == "model.safetensors")
    #expect(body.download?.bytesDone == 1200 && body.download?.bytesTotal == 5000)
    #expect(score.status == 503 && score.headers["retry-after"] != nil)
    #expect(score.text.contains(#""type":"not_ready""#))
    #expect(info.status == 503)
    #expect(metrics.status == 200)
    #expect(missing.status == 404)

    let preparation = PreparationGate()
    let launch = Task { try await launcher.launch(preparation.prepare) }
    #expect(await eventually { preparation.reached.value })
    let loading = try await onThread { try LoopbackClient(port: port).get("/ready") }
    #expect(try loading.decoded(StartupBody.self).phase == "loading")
    preparation.release(with: FakeScoringModel())
    let runner = try await launch.value
    let (readyNow, scored) = try await onThread {
        let client = try LoopbackClient(port: port)
        return (try client.get("/ready"), try client.post("/score", json: #"{"prompt":"a","response":"b"}"#))
    }
    #expect(readyNow.status == 200)
    #expect(scored.status == 200)
    #expect(runner.service.readiness == .ready)
    await runner.shutdown()
}

@Test func scoringRoutesAskForTheKeyBeforeSayingNotReady() async throws {
    let configuration = testConfiguration { $0.authorization = BearerAuthorization(key: "s3cret") }
    let launcher = try ServiceLauncher.listen(configuration: configuration, logger: quietLogger)
    let port = launcher.port
    let score = try await onThread {
        try LoopbackClient(port: port).post("/score", json: #"{"prompt":"a","response":"b"}"#)
    }
    #expect(score.status == 401)
    await launcher.abandon()
}

@Test func abandoningDuringStartUpStopsListeningWithoutWaitingForThePreparation() async throws {
    let launcher = try ServiceLauncher.listen(configuration: testConfiguration(), logger: quietLogger)
    let preparation = PreparationGate()
    let launch = Task { try await launcher.launch(preparation.prepare) }
    #expect(await eventually { preparation.reached.value })
    await launcher.abandon()
    #expect(launcher.progress.current == .stopping)
    // The preparation is still held: nothing waited for it. The listener is closed.
    #expect(throws: (any Error).self) { try LoopbackClient(port: launcher.port) }
    launch.cancel()
    await #expect(throws: CancellationError.self) { try await launch.value }
}

/// Several models: /ready names the one being prepared (download bytes, loading, warming up) and
/// stays 503 until the last is warmed up; then /info lists them all.
@Test func readyNamesEachModelAsItIsPreparedAndWaitsForTheLast() async throws {
    let launcher = try ServiceLauncher.listen(configuration: testConfiguration(), logger: quietLogger)
    let port = launcher.port
    let step = Box(0)
    let proceed = Box(0)
    let second = FakeScoringModel()
    second.hold()
    let launch = Task {
        try await launcher.launch(models: { progress in
            progress.begin(model: "first")
            progress.downloading(file: "model.safetensors", bytesDone: 10, bytesTotal: 100)
            step.value = 1
            while proceed.value < 1 { try await Task.sleep(for: .milliseconds(5)) }
            progress.begin(model: "second")
            progress.set(.loading)
            step.value = 2
            while proceed.value < 2 { try await Task.sleep(for: .milliseconds(5)) }
            return [ModelEntry(name: "first", model: FakeScoringModel()), ModelEntry(name: "second", model: second)]
        })
    }
    func ready() async throws -> StartupBody {
        let response = try await onThread { try LoopbackClient(port: port).get("/ready") }
        #expect(response.status == 503)
        return try response.decoded(StartupBody.self)
    }
    #expect(await eventually { step.value == 1 })
    let downloading = try await ready()
    #expect(downloading.model == "first" && downloading.phase == "downloading")
    #expect(downloading.download?.bytesDone == 10 && downloading.download?.bytesTotal == 100)
    proceed.value = 1
    #expect(await eventually { step.value == 2 })
    let loading = try await ready()
    #expect(loading.model == "second" && loading.phase == "loading")
    proceed.value = 2
    // The second model's warm-up pass is held in its engine: the first is warm, start-up is not done.
    #expect(await eventually { second.batchesInEngine == 1 })
    let warming = try await ready()
    #expect(warming.model == "second" && warming.phase == "warming_up")
    second.release()
    let runner = try await launch.value
    let (readyAnswer, info) = try await onThread {
        (try LoopbackClient(port: port).get("/ready"), try LoopbackClient(port: port).get("/info"))
    }
    #expect(readyAnswer.status == 200)
    #expect(info.text.contains(#""name":"first""#) && info.text.contains(#""name":"second""#))
    await runner.shutdown()
}
