// The start-up sequence when the model is not there yet: listen first (the gate answers probes with
// the start-up phase), then prepare the model, warm it up and install the service in the gate.
import Foundation
import HTTPServer
import Logging

public final class ServiceLauncher: Sendable {
    public let server: HTTPServer
    /// The bound port (the configured one, or the kernel's pick for port 0).
    public let port: Int
    public let progress: StartupProgress
    let gate: ServiceGate
    let configuration: ServiceConfiguration
    let logger: Logger

    private init(server: HTTPServer, port: Int, gate: ServiceGate, configuration: ServiceConfiguration, logger: Logger)
    {
        self.server = server
        self.port = port
        self.progress = gate.progress
        self.gate = gate
        self.configuration = configuration
        self.logger = logger
    }

    /// Binds and starts answering: /health 200, /ready 503 with the phase, other routes 503.
    public static func listen(
        configuration: ServiceConfiguration, logger: Logger, metrics: ServiceMetrics? = nil
    ) throws -> ServiceLauncher {
        let metrics = metrics ?? ServiceMetrics(version: RewardService.version)
        let gate = ServiceGate(progress: StartupProgress(), configuration: configuration, metrics: metrics)
        let server = HTTPServer(configuration: configuration.http, handler: gate, logger: logger)
        let port = try server.start()
        logger.info("listening before the model is loaded", metadata: ["port": "\(port)"])
        return ServiceLauncher(server: server, port: port, gate: gate, configuration: configuration, logger: logger)
    }

    /// Runs `prepare` (which reports its phases to `progress`), warms the model up on a thread of its
    /// own, installs the service and marks it ready. Load and warm-up time go to
    /// `reward_model_load_seconds`, counted from the `loading` phase (a download is not a load).
    public func launch(
        _ prepare: @Sendable (StartupProgress) async throws -> any ScoringModel
    ) async throws -> ServiceRunner {
        let begin = ContinuousClock.now
        let model = try await prepare(progress)
        try Task.checkCancellation()
        let loadStarted = progress.loadingStarted ?? begin
        progress.set(.warmingUp)
        let warmed = try await ServiceRunner.onOwnThread { [configuration, logger, gate] in
            try WarmedService(
                model: model, configuration: configuration, logger: logger, loadStarted: loadStarted,
                metrics: gate.metrics)
        }
        gate.install(warmed.service)
        warmed.service.markReady()
        warmed.logReady(port: port)
        return ServiceRunner(service: warmed.service, server: server, port: port)
    }

    /// Stops before ready: /ready says so, the listener closes, nothing waits for the preparation.
    public func abandon() async {
        progress.set(.stopping)
        await server.shutdown()
    }
}

/// A model warmed up and measured, its service built (batcher running) but not yet ready.
struct WarmedService: Sendable {
    let service: RewardService
    let loadSeconds: Double
    let warmUpSeconds: Double
    let tokensPerSecond: Double

    init(
        model: any ScoringModel, configuration: ServiceConfiguration, logger: Logger,
        loadStarted: ContinuousClock.Instant, metrics: ServiceMetrics
    ) throws {
        let warmUpStart = ContinuousClock.now
        tokensPerSecond = try EngineCalibration.warmUp(model)
        let loaded = ContinuousClock.now
        var configuration = configuration
        if configuration.requests.maxRequestTokens == nil {
            configuration.requests.maxRequestTokens = EngineCalibration.maxRequestTokens(
                tokensPerSecond: tokensPerSecond, requestTimeout: configuration.requests.requestTimeout,
                maxInputLength: model.modelDescription.maxInputLength)
        }
        if configuration.batching.engineSecondsPerToken == nil, tokensPerSecond.isFinite, tokensPerSecond > 0 {
            // Seeds deadline-aware admission; the batcher then follows the batches it measures.
            configuration.batching.engineSecondsPerToken = 1 / tokensPerSecond
        }
        service = RewardService(model: model, configuration: configuration, logger: logger, metrics: metrics)
        service.metrics.recordModelLoad(loaded - loadStarted)
        loadSeconds = (loaded - loadStarted).seconds
        warmUpSeconds = (loaded - warmUpStart).seconds
    }

    func logReady(port: Int) {
        let configuration = service.configuration
        service.state.logger.info(
            "ready",
            metadata: configuration.logMetadata.mapValues { .string($0) }.merging(
                [
                    "port": "\(port)", "loadSeconds": "\(loadSeconds)", "warmUpSeconds": "\(warmUpSeconds)",
                    "model": "\(service.state.model.modelDescription.path)",
                    "engineTokensPerSecond": "\(Int(tokensPerSecond))",
                    "precision": "\(service.state.model.modelDescription.precision ?? "fp32")",
                    "maxRequestTokens": "\(configuration.requests.maxRequestTokens ?? 0)",
                ]
            ) { $1 })
    }
}
