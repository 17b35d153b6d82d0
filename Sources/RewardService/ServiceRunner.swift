// Start-up and shutdown order, in one place, callable from the executable and from tests:
//   listen (probes answer from the first second) → resolve/download → load model → warm up →
//   start batcher → ready;
//   shutdown: not ready → stop accepting and drain in-flight HTTP requests → drain the batcher.
//   A shutdown signal before ready stops listening and returns at once: a download in progress
//   leaves its partial file for the next start to resume.
import Foundation
import HTTPServer
import Logging

public final class ServiceRunner: Sendable {
    public let service: RewardService
    public let server: HTTPServer
    /// The bound port (the configured one, or the kernel's pick for port 0).
    public let port: Int

    init(service: RewardService, server: HTTPServer, port: Int) {
        self.service = service
        self.server = server
        self.port = port
    }

    /// Warms `model` up, starts the batcher, listens, and marks the service ready.
    public static func start(
        model: any ScoringModel, configuration: ServiceConfiguration, logger: Logger,
        loadStarted: ContinuousClock.Instant = .now, metrics: ServiceMetrics? = nil
    ) throws -> ServiceRunner {
        try start(
            models: [ModelEntry(model: model)], configuration: configuration, logger: logger, loadStarted: loadStarted,
            metrics: metrics)
    }

    /// `start` for several models (the first is the default), each warmed up with its own batcher.
    public static func start(
        models: [ModelEntry], configuration: ServiceConfiguration, logger: Logger,
        loadStarted: ContinuousClock.Instant = .now, metrics: ServiceMetrics? = nil
    ) throws -> ServiceRunner {
        let metrics = metrics ?? ServiceMetrics(version: RewardService.version)
        let warmed = try WarmedService(
            models: models, configuration: configuration, logger: logger, loadStarted: loadStarted, metrics: metrics)
        let server = HTTPServer(configuration: configuration.http, handler: warmed.service, logger: logger)
        let port: Int
        do {
            port = try server.start()
        } catch {
            warmed.service.markDraining()
            warmed.service.state.models.shutdown()
            throw error
        }
        warmed.service.markReady()
        warmed.logReady(port: port)
        return ServiceRunner(service: warmed.service, server: server, port: port)
    }

    /// Not ready → stop accepting, finish in-flight requests → drain the batcher. Idempotent.
    public func shutdown() async {
        service.markDraining()
        await server.shutdown()
        await service.drainQueue()
        service.state.logger.info("service stopped")
    }

    /// Listens at once (probes answer from the first second, /ready with the start-up phase), runs
    /// `prepare` (resolve, download and load the model, reporting to the progress it is given), warms
    /// up and turns ready; then serves until SIGTERM or SIGINT. A signal during start-up stops
    /// listening and returns without waiting for the preparation, so a download stops promptly and
    /// its partial file stays for the next start. Returns the signal number.
    @discardableResult
    public static func serveUntilShutdownSignal(
        configuration: ServiceConfiguration, logger: Logger, metrics: ServiceMetrics? = nil,
        prepare: @escaping @Sendable (StartupProgress) async throws -> any ScoringModel
    ) async throws -> Int32 {
        try await serveUntilShutdownSignal(configuration: configuration, logger: logger, metrics: metrics) {
            [ModelEntry(model: try await prepare($0))]
        }
    }

    /// `serveUntilShutdownSignal` for several models: `prepare` returns them in serving order (the
    /// first is the default), calling `progress.begin(model:)` as it moves to each.
    @discardableResult
    public static func serveUntilShutdownSignal(
        configuration: ServiceConfiguration, logger: Logger, metrics: ServiceMetrics? = nil,
        prepare: @escaping @Sendable (StartupProgress) async throws -> [ModelEntry]
    ) async throws -> Int32 {
        enum Event {
            case signal(Int32)
            case started(Result<ServiceRunner, any Error>)
        }
        let (events, continuation) = AsyncStream.makeStream(of: Event.self)
        let watcher = ShutdownSignal { continuation.yield(.signal($0)) }
        defer { watcher.cancel() }
        let launcher = try ServiceLauncher.listen(configuration: configuration, logger: logger, metrics: metrics)
        let startup = Task {
            do {
                continuation.yield(.started(.success(try await launcher.launch(models: prepare))))
            } catch {
                continuation.yield(.started(.failure(error)))
            }
        }
        var iterator = events.makeAsyncIterator()
        switch await iterator.next() ?? .signal(SIGTERM) {
        case .signal(let number):
            if let runner = launcher.launched {
                // Ready already, though the start-up task had not reported it yet: a normal, drained shutdown.
                logger.info("shutdown signal", metadata: ["signal": "\(number)"])
                await runner.shutdown()
                return number
            }
            logger.info(
                "shutdown signal during start-up; stopping without waiting for it",
                metadata: ["signal": "\(number)", "phase": "\(launcher.progress.current.name)"])
            startup.cancel()
            await launcher.abandon()
            return number
        case .started(.failure(let error)):
            await launcher.abandon()
            throw error
        case .started(.success(let runner)):
            var number = SIGTERM
            while let event = await iterator.next() {
                if case .signal(let received) = event {
                    number = received
                    break
                }
            }
            logger.info("shutdown signal", metadata: ["signal": "\(number)"])
            await runner.shutdown()
            return number
        }
    }

    /// Runs blocking work (loading weights, the warm-up pass) on a thread of its own, so the
    /// concurrency pool stays free for the signal watcher and the rest of the process.
    public static func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try work() }) }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }
}
