// Start-up and shutdown order, in one place, callable from the executable and from tests:
//   load model → warm up → start batcher → listen → ready;
//   shutdown: not ready → stop accepting and drain in-flight HTTP requests → drain the batcher.
import Foundation
import Inference
import HTTPServer
import Logging

public final class ServiceRunner: Sendable {
    public let service: RewardService
    public let server: HTTPServer
    /// The bound port (the configured one, or the kernel's pick for port 0).
    public let port: Int

    private init(service: RewardService, server: HTTPServer, port: Int) {
        self.service = service
        self.server = server
        self.port = port
    }

    /// Loads the model from `directory`, then `start`s. The load and warm-up time is reported as
    /// `reward_model_load_seconds`.
    public static func launch(
        directory: URL, options: EncodingOptions, threads: Int, precision: Precision = .fp32,
        configuration: ServiceConfiguration, logger: Logger
    ) throws -> ServiceRunner {
        let begin = ContinuousClock.now
        logger.info(
            "loading model",
            metadata: ["path": "\(directory.path)", "threads": "\(threads)", "precision": "\(precision.rawValue)"])
        let model = try RewardModel(directory: directory, options: options, threads: threads, precision: precision)
        return try start(model: model, configuration: configuration, logger: logger, loadStarted: begin)
    }

    /// Warms `model` up, starts the batcher, listens, and marks the service ready.
    public static func start(
        model: any ScoringModel, configuration: ServiceConfiguration, logger: Logger,
        loadStarted: ContinuousClock.Instant = .now, metrics: ServiceMetrics? = nil
    ) throws -> ServiceRunner {
        let warmUpStart = ContinuousClock.now
        let tokensPerSecond = try EngineCalibration.warmUp(model)
        let loaded = ContinuousClock.now
        var configuration = configuration
        if configuration.requests.maxRequestTokens == nil {
            configuration.requests.maxRequestTokens = EngineCalibration.maxRequestTokens(
                tokensPerSecond: tokensPerSecond, requestTimeout: configuration.requests.requestTimeout,
                maxInputLength: model.modelDescription.maxInputLength)
        }
        let service = RewardService(
            model: model, configuration: configuration, logger: logger,
            metrics: metrics ?? ServiceMetrics(version: RewardService.version))
        service.metrics.recordModelLoad(loaded - loadStarted)
        let server = HTTPServer(configuration: configuration.http, handler: service, logger: logger)
        let port: Int
        do {
            port = try server.start()
        } catch {
            service.markDraining()
            service.state.queue.batcher.shutdown()
            throw error
        }
        service.markReady()
        logger.info(
            "ready",
            metadata: configuration.logMetadata.mapValues { .string($0) }.merging(
                [
                    "port": "\(port)", "loadSeconds": "\((loaded - loadStarted).seconds)",
                    "warmUpSeconds": "\((loaded - warmUpStart).seconds)", "model": "\(model.modelDescription.path)",
                    "engineTokensPerSecond": "\(Int(tokensPerSecond))",
                    "precision": "\(model.modelDescription.precision ?? "fp32")",
                    "maxRequestTokens": "\(service.configuration.requests.maxRequestTokens ?? 0)",
                ]
            ) { $1 })
        return ServiceRunner(service: service, server: server, port: port)
    }

    /// Not ready → stop accepting, finish in-flight requests → drain the batcher. Idempotent.
    public func shutdown() async {
        service.markDraining()
        await server.shutdown()
        await service.drainQueue()
        service.state.logger.info("service stopped")
    }

    /// Watches SIGTERM and SIGINT from before `start` runs (so a signal during model loading is not
    /// fatal and a signal right after "ready" is not lost), then shuts down on the first one.
    /// Returns the signal number once the drain is complete.
    @discardableResult
    public static func runUntilShutdownSignal(_ start: () throws -> ServiceRunner) async throws -> Int32 {
        let (signals, continuation) = AsyncStream.makeStream(of: Int32.self)
        let watcher = ShutdownSignal { continuation.yield($0) }
        defer { watcher.cancel() }
        let runner = try start()
        var iterator = signals.makeAsyncIterator()
        // nil only when the waiting task is cancelled: shut down then too, as for SIGTERM.
        let number = await iterator.next() ?? SIGTERM
        runner.service.state.logger.info("shutdown signal", metadata: ["signal": "\(number)"])
        await runner.shutdown()
        return number
    }
}
