// The real client libraries from PyPI (cohere, Haystack's and LlamaIndex's TEI rankers,
// huggingface_hub, openai) and minimal OpenRLHF and verl clients, each run by
// Tests/Fixtures/clients/compat_clients.py against a live server with the tiny fixture model. Each
// reports the pairs it scored and the numbers it read; the test scores the same pairs through
// /score and compares (raw, or with the API's sigmoid applied). The clients come from
// Scripts/requirements-test-clients.txt (Scripts/test.sh installs them); a missing one fails the
// test with the install command, never skips it.
import Foundation
import Synchronization
import TestSupport
import Testing

@testable import RewardService

struct ClientReport: Decodable {
    var pairs: [[String]]
    var scores: [Double]
    var activated: Bool
    var models: [String]?
    var labels: [String]?
}

@Suite(.serialized) struct CompatClientTests {
    @Test(arguments: [
        "cohere-v1", "cohere-v2", "haystack", "llamaindex", "hf-text-classification", "openrlhf-batch",
        "openrlhf-per-item", "verl",
    ])
    func clientReadsWhatScoreGivesForTheSamePairs(client: String) async throws {
        let (model, _) = try loadTinyModel()
        let runner = try ServiceRunner.start(model: model, configuration: testConfiguration(), logger: quietLogger)
        let port = runner.port
        let run = try await onThread { try runClient(client, port: port) }
        await runner.shutdown()
        #expect(run.status == 0, "\(client) failed: \(run.stderr)")
        guard run.status == 0 else { return }
        let report = try JSONDecoder().decode(ClientReport.self, from: Data(run.stdout.utf8))
        #expect(!report.pairs.isEmpty && report.pairs.count == report.scores.count, "\(run.stdout)")
        let expected = try await scoresThroughScore(report.pairs, model: model)
        for (index, (got, raw)) in zip(report.scores, expected).enumerated() {
            let want = report.activated ? Activation.sigmoid(raw) : raw
            // The same fp32 computation on both routes; the tolerance only absorbs batch composition.
            #expect(abs(got - want) <= 1e-5 * max(1, abs(want)), "\(client) pair \(index): got \(got), /score \(want)")
        }
        if client == "hf-text-classification" { #expect(report.labels == ["REWARD"]) }
    }

    @Test func openAIListsTheServedModel() async throws {
        let (model, _) = try loadTinyModel()
        let runner = try ServiceRunner.start(model: model, configuration: testConfiguration(), logger: quietLogger)
        let port = runner.port
        let run = try await onThread { try runClient("openai-models", port: port) }
        await runner.shutdown()
        #expect(run.status == 0, "\(run.stderr)")
        let report = try JSONDecoder().decode(ClientReport.self, from: Data(run.stdout.utf8))
        #expect(report.models == [tinyModelName])
    }

    /// huggingface_hub's text_classification on a 3-label classifier reads every label's probability,
    /// highest first, as /classify gives it (itself checked against transformers in
    /// ClassifierRoutesTests), and `top_k=1` reads the best label only.
    @Test func huggingFaceClientReadsEveryLabelOfAClassifier() async throws {
        let directory = Fixtures.model("tiny-roberta-3-labels")
        let runner = try await onThread {
            try ServiceRunner.start(
                model: try RewardModel(directory: directory), configuration: testConfiguration(), logger: quietLogger)
        }
        let port = runner.port
        let run = try await onThread { try runClient("hf-text-classification-labels", port: port) }
        let body = #"{"input": "Paris is the capital of France."}"#
        let classified = try await onThread { try LoopbackClient(port: port).post("/classify", json: body) }
        await runner.shutdown()
        #expect(run.status == 0, "\(run.stderr)")
        guard run.status == 0 else { return }
        let report = try JSONDecoder().decode(ClientReport.self, from: Data(run.stdout.utf8))
        let names = ["negative", "neutral", "positive"]
        let item = try #require(
            (try JSONSerialization.jsonObject(with: Data(classified.body)) as? [String: Any]).flatMap {
                ($0["data"] as? [[String: Any]])?.first
            }, "\(classified.text)")
        let probs = try #require(item["probs"] as? [Double])
        let order = probs.indices.sorted { probs[$0] > probs[$1] }
        #expect(report.labels == order.map { names[$0] } + [names[order[0]]], "\(run.stdout)")
        #expect(report.scores.count == 3)
        for (got, want) in zip(report.scores, order.map { probs[$0] }) {
            #expect(abs(got - want) <= 1e-12, "client read \(got), /classify gave \(want)")
        }
    }

    /// /score for `pairs` ([prompt, response]) on a fresh in-process service.
    private func scoresThroughScore(_ pairs: [[String]], model: RewardModel) async throws -> [Double] {
        let service = makeService(model: model)
        defer { Task { await service.drainQueue() } }
        var scores: [Double] = []
        for chunk in stride(from: 0, to: pairs.count, by: 64).map({ Array(pairs[$0..<min($0 + 64, pairs.count)]) }) {
            let body = try json(ScoreRequest(pairs: chunk.map { Pair(prompt: $0[0], response: $0[1]) }))
            let response = await service.call(post("/score", json: body))
            #expect(response.status == .ok, "\(response.text)")
            scores += try response.decoded(BatchScoreResponse.self).scores
        }
        return scores
    }
}

/// Runs one client of compat_clients.py with the `python3` on PATH (Scripts/test.sh puts the test
/// venv first) against 127.0.0.1:`port`; clients whose API names a model send `model` (the name the
/// server serves it under).
func runClient(
    _ client: String, port: Int, model: String = tinyModelName
) throws -> (status: Int32, stdout: String, stderr: String) {
    let script = Fixtures.url("clients/compat_clients.py").path
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", script, client, "http://127.0.0.1:\(port)", model]
    var environment = ProcessInfo.processInfo.environment
    environment["HF_HUB_DISABLE_TELEMETRY"] = "1"
    environment["HF_HUB_OFFLINE"] = "0"
    environment["NO_PROXY"] = "127.0.0.1"
    process.environment = environment
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let stderr = Mutex(Data())
    let done = DispatchSemaphore(value: 0)
    Thread {
        let data = errors.fileHandleForReading.readDataToEndOfFile()
        stderr.withLock { $0 = data }
        done.signal()
    }.start()
    let stdout = output.fileHandleForReading.readDataToEndOfFile()
    done.wait()
    process.waitUntilExit()
    var errorText = String(decoding: stderr.withLock { $0 }, as: UTF8.self)
    if errorText.contains("ModuleNotFoundError") {
        errorText += "\nthe Python clients are missing: run `bash Scripts/test.sh` (it installs "
            + "Scripts/requirements-test-clients.txt into .cache/test-venv) or pip install -r that file"
    }
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), errorText)
}
