// The start-up sequence when the models are not there yet: listen first (the gate answers probes
// with the start-up phase), then prepare the models, warm each up and install the service in the gate.
import Foundation
import HTTPServer
import Logging
import Synchronization

public final class ServiceLauncher: Sendable {
    public let server: HTTPServer
    /// The bound port (the configured one, or the kernel's pick for port 0).
    public let port: Int
    public let progress: StartupProgress
    let gate: ServiceGate
    let configuration: ServiceConfiguration
    let logger: Logger
    private let launchedRunner = Mutex<ServiceRunner?>(nil)

    /// The runner `launch` returned, set before the service turned ready: a shutdown signal that
    /// follows a 200 from /ready finds it here even if `launch` has not returned to its caller yet.
    public var launched: ServiceRunner? { launchedRunner.withLock { $0 } }

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
        try await launch(models: { [ModelEntry(model: try await prepare($0))] })
    }

    /// `launch` for several models: `prepare` resolves, downloads and loads them in order (calling
    /// `progress.begin(model:)` as it moves to each); each is then warmed up in turn, /ready naming it.
    public func launch(
        models prepare: @Sendable (StartupProgress) async throws -> [ModelEntry]
    ) async throws -> ServiceRunner {
        let begin = ContinuousClock.now
        let models = try await prepare(progress)
        try Task.checkCancellation()
        let loadStarted = progress.loadingStarted ?? begin
        let warmed = try await ServiceRunner.onOwnThread { [configuration, logger, gate, progress] in
            try WarmedService(
                models: models, configuration: configuration, logger: logger, loadStarted: loadStarted,
                metrics: gate.metrics, progress: progress)
        }
        gate.install(warmed.service)
        let runner = ServiceRunner(service: warmed.service, server: server, port: port)
        launchedRunner.withLock { $0 = runner }
        warmed.service.markReady()
        warmed.logReady(port: port)
        return runner
    }

    /// Stops before ready: /ready says so, the listener closes, nothing waits for the preparation.
    public func abandon() async {
        progress.set(.stopping)
        await server.shutdown()
    }
}

/// Models warmed up and measured, their service built (batchers running) but not yet ready.
struct WarmedService: Sendable {
    let service: RewardService
    let loadSeconds: Double
    let warmUpSeconds: Double
    /// The default model's measured rate.
    let tokensPerSecond: Double

    /// Warms each model up in order (reporting it to `progress`); each gets the request-token limit
    /// its own rate allows unless the configuration sets one. /info's `limits` show the default's.
    init(
        models: [ModelEntry], configuration: ServiceConfiguration, logger: Logger,
        loadStarted: ContinuousClock.Instant, metrics: ServiceMetrics, progress: StartupProgress? = nil
    ) throws {
        let warmUpStart = ContinuousClock.now
        var measured: [ModelEntry] = []
        var rates: [Double] = []
        for var entry in models {
            // Named as the preparation named it: an unnamed model by its --model value.
            progress?.begin(model: entry.name ?? entry.aliases.first ?? entry.servedName, .warmingUp)
            let rate = try EngineCalibration.warmUp(entry.model)
            rates.append(rate)
            entry.maxRequestTokens =
                configuration.requests.maxRequestTokens
                ?? EngineCalibration.maxRequestTokens(
                    tokensPerSecond: rate, requestTimeout: configuration.requests.requestTimeout,
                    maxInputLength: entry.model.modelDescription.maxInputLength)
            if rate.isFinite, rate > 0 {
                // Seeds deadline-aware admission; the model's batcher then follows the batches it measures.
                entry.engineSecondsPerToken = 1 / rate
            }
            measured.append(entry)
        }
        tokensPerSecond = rates.first ?? 0
        let loaded = ContinuousClock.now
        var configuration = configuration
        configuration.requests.maxRequestTokens = measured.first?.maxRequestTokens
        service = RewardService(models: measured, configuration: configuration, logger: logger, metrics: metrics)
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
                    "model": "\(service.state.models.default.model.modelDescription.path)",
                    "models": "\(service.state.models.names.joined(separator: ","))",
                    "engineTokensPerSecond": "\(Int(tokensPerSecond))",
                    "precision": "\(service.state.models.default.model.modelDescription.precision ?? "fp32")",
                    "maxRequestTokens": "\(configuration.requests.maxRequestTokens ?? 0)",
                ]
            ) { $1 })
    }
}
