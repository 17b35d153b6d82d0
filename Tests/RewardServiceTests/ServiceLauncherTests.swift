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
