// `reward-server serve`: the HTTP scoring service. Flags fill the service's configuration tree and
// take their defaults from it (one source per default); the start-up and shutdown order is
// ServiceRunner's. The only place that bootstraps logging.
import ArgumentParser
import Batching
import Foundation
import HTTPServer
import Hub
import Logging
import RewardService

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve POST /score and /rank over HTTP/1.1, batching concurrent requests into one engine per model.",
        discussion: """
            Start-up: listen at once (GET /health → 200; GET /ready → 503 with the phase: resolving, \
            downloading with bytes done and total, loading, warming_up; scoring routes → 503 + Retry-After), \
            then download each model if needed (--model NAME=… repeated serves several, in order), load it, \
            run one warm-up pass (at --precision int8 the calibration pass serves), start the batcher and report \
            ready (GET /ready → 200). SIGTERM/SIGINT during start-up: the listener closes and the process \
            exits 0 at once; a partial download stays and resumes at the next start. After ready: /ready \
            turns 503, the listener closes, requests in flight finish, the queue drains, and the process \
            exits 0. Logs go to stderr.

            \(EnvironmentTwins.helpDiscussion(for: "serve"))
            Hub: HF_HOME (cache at $HF_HOME/hub), HF_HUB_CACHE, HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE=1 (cache only).
            """)

    @OptionGroup var model: ModelOptions

    @Option(help: "Address to listen on (an IPv4 or IPv6 literal).")
    var host: String = HTTPServerConfiguration().host

    @Option(help: "Port to listen on; 0 picks a free one (logged).")
    var port: Int = 8080

    @Option(
        help: """
            Most tokens in one engine batch. The engine packs a batch's tokens without padding and its \
            matrix products run at full speed from ~128 rows on, so throughput barely grows past a few \
            thousand tokens while every request that arrives during a batch waits for all of it: 4096 \
            keeps a full batch to a few seconds on bert-base at 2 cores while filling the products.
            """)
    var maxBatchTokens: Int = BatchLimits().maxBatchTokens

    @Option(help: "Most pairs in one engine batch (32: enough short pairs to pass 128 rows; bounds per-batch latency).")
    var maxBatchPairs: Int = BatchLimits().maxBatchItems

    @Option(
        help:
            "Milliseconds a batch that is not full may wait for more pairs once the engine is free (0: start at once).")
    var maxBatchDelay: Int = 0

    @Option(help: "Most pairs waiting in the queue; beyond it requests get 429 with Retry-After.")
    var maxQueuedPairs: Int = BatchLimits().maxQueuedItems

    @Option(help: "Most tokens waiting in the queue; beyond it requests get 429 with Retry-After.")
    var maxQueuedTokens: Int = BatchLimits().maxQueuedTokens

    @Option(
        help:
            "Seconds from a request's arrival until its pairs must be computed; then 504 and its queued pairs are dropped."
    )
    var requestTimeout: Double = RequestLimits().requestTimeout.seconds

    @Option(help: "Largest request body in bytes (413 beyond).")
    var maxBodyBytes: Int = HTTPLimits().maxBodyBytes

    @Option(help: "Most pairs in one /score batch or responses in one /rank (422 beyond).")
    var maxItemsPerRequest: Int = RequestLimits().maxItemsPerRequest

    @Option(help: "alpha for requests that give none; must be finite.")
    var defaultAlpha: Double = RequestLimits().defaultAlpha

    @Option(
        help: """
            Most tokens one request may hold (413 beyond, naming this limit). Default: measured at start-up,             what the engine computes in a quarter of --request-timeout (shown in GET /info and the log), so             a request that could never finish in time is refused before it takes the engine from others.
            """)
    var maxRequestTokens: Int?

    @Option(
        help: """
            Most open connections (503 beyond). From 15/16 of it on, the longest-idle keep-alive connections             are closed to make room. Default: 4096, or less when the descriptor limit is lower (the soft             limit is raised to the hard one at start; 64 descriptors stay free).
            """)
    var maxConnections: Int?

    @Option(
        help: """
            Bytes all connections together may hold in request bodies and unsent responses; a new upload             that does not fit gets 503 + Retry-After from its head, unread. Bounds the server's buffer             memory whatever clients send.
            """)
    var maxBufferedBytes: Int = HTTPServerConfiguration().maxBufferedBytes

    @Option(help: "Seconds a keep-alive connection may sit idle between requests before it is closed.")
    var idleTimeout: Double = HTTPTimeouts().idle.seconds

    @Option(help: "Seconds from a request's first byte until its head is complete (slow senders get 408).")
    var headerTimeout: Double = HTTPTimeouts().header.seconds

    @Option(help: "Seconds from the end of a request's head until its whole body has arrived (then 408).")
    var bodyTimeout: Double = HTTPTimeouts().body.seconds

    @Flag(
        inversion: .prefixedNo,
        help: """
            Truncate over-long pairs (longest first) when a request does not say (`truncate`); with \
            --no-auto-truncate such a pair is a 422 instead of a score of a shortened text.
            """)
    var autoTruncate: Bool = RequestLimits().defaultTruncate

    @Option(
        help: """
            Seconds to let requests in flight finish at shutdown before closing their connections. Keep \
            it below the platform's grace period (Kubernetes: terminationGracePeriodSeconds minus preStop).
            """)
    var drainTimeout: Double = HTTPServerConfiguration().drainTimeout.seconds

    @Option(
        help: """
            Require `Authorization: Bearer <key>` on /score and /rank (401 otherwise); /health, /ready, \
            /metrics, /info and /openapi.json stay open. Prefer the environment variable: flags show in `ps`.
            """)
    var apiKey: String?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: LogLevelChoice = .info

    @Option(help: "Log format on stderr: 'text' for people, 'json' (one object per line) for log collectors.")
    var logFormat: LogFormat = .text

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
        guard maxBatchDelay >= 0 else { throw ValidationError("--max-batch-delay must not be negative") }
        guard requestTimeout > 0, requestTimeout.isFinite else {
            throw ValidationError("--request-timeout must be positive")
        }
        guard maxBodyBytes >= 1 else { throw ValidationError("--max-body-bytes must be at least 1") }
        guard drainTimeout >= 0, drainTimeout.isFinite else {
            throw ValidationError("--drain-timeout must not be negative")
        }
        for (name, seconds) in [
            ("--idle-timeout", idleTimeout), ("--header-timeout", headerTimeout), ("--body-timeout", bodyTimeout),
        ] where !(seconds > 0 && seconds.isFinite) {
            throw ValidationError("\(name) must be a positive number of seconds")
        }
        if let maxConnections, maxConnections < 1 { throw ValidationError("--max-connections must be at least 1") }
        guard maxBufferedBytes >= maxBodyBytes else {
            throw ValidationError(
                "--max-buffered-bytes (\(maxBufferedBytes)) must be at least --max-body-bytes (\(maxBodyBytes))")
        }
        if let problem = serviceConfiguration.problems.first { throw ValidationError(problem) }
    }

    var serviceConfiguration: ServiceConfiguration {
        var http = HTTPServerConfiguration(host: host, port: port, drainTimeout: .seconds(drainTimeout))
        http.limits.maxBodyBytes = maxBodyBytes
        http.maxBufferedBytes = maxBufferedBytes
        if let maxConnections { http.maxConnections = maxConnections }
        http.timeouts.idle = .seconds(idleTimeout)
        http.timeouts.header = .seconds(headerTimeout)
        http.timeouts.body = .seconds(bodyTimeout)
        let batching = BatchLimits(
            maxBatchItems: maxBatchPairs, maxBatchTokens: maxBatchTokens, maxBatchDelay: .milliseconds(maxBatchDelay),
            maxQueuedItems: maxQueuedPairs, maxQueuedTokens: maxQueuedTokens)
        let requests = RequestLimits(
            maxItemsPerRequest: maxItemsPerRequest, defaultAlpha: defaultAlpha, defaultTruncate: autoTruncate,
            requestTimeout: .seconds(requestTimeout), maxRequestTokens: maxRequestTokens)
        return ServiceConfiguration(
            http: http, batching: batching, requests: requests, authorization: BearerAuthorization(key: apiKey))
    }

    func run() async throws {
        LogOutput.bootstrap(format: logFormat, level: logLevel.level)
        let logger = Logger(label: "reward-server")
        let descriptors = DescriptorLimit.raiseSoftToHard()
        let configuration = serviceConfiguration(descriptorLimit: descriptors?.soft)
        var metadata = effectiveConfiguration(environment: ProcessInfo.processInfo.environment, configuration)
        metadata["descriptorLimit"] = .string(descriptors.map { "soft \($0.soft), hard \($0.hard)" } ?? "unknown")
        logger.info("configuration", metadata: metadata)
        if let soft = descriptors?.soft, configuration.http.maxConnections > DescriptorLimit.connectionCap(soft: soft) {
            logger.warning(
                "--max-connections is above the descriptor limit: accepts will fail before the cap",
                metadata: ["maxConnections": "\(configuration.http.maxConnections)", "descriptorLimit": "\(soft)"])
        }
        try await ServiceRunner.serveUntilShutdownSignal(configuration: configuration, logger: logger) {
            [model] progress in
            var entries: [ModelEntry] = []
            for spec in model.models {
                // A shutdown signal during start-up cancels this task: start no further model.
                try Task.checkCancellation()
                progress.begin(model: spec.name ?? spec.source)
                let directory = try await model.resolveDirectory(source: spec.source, logger: logger) {
                    progress.downloading(file: $0.file, bytesDone: $0.bytesDone, bytesTotal: $0.bytesTotal)
                }
                progress.set(.loading)
                logger.info(
                    "loading model",
                    metadata: [
                        "name": "\(spec.name ?? "-")", "path": "\(directory.path)", "threads": "\(model.threads)",
                        "precision": "\(model.precision.rawValue)",
                    ])
                let loaded = try await ServiceRunner.onOwnThread { try model.load(directory: directory) }
                // An unnamed model also answers to the --model value itself (a repo id, a path).
                let aliases = spec.name == nil ? [spec.source] : []
                entries.append(ModelEntry(name: spec.name, model: loaded, aliases: aliases))
            }
            return entries
        }
    }

    /// The configuration with the default connection cap kept below the descriptor limit.
    func serviceConfiguration(descriptorLimit: Int?) -> ServiceConfiguration {
        var configuration = serviceConfiguration
        if maxConnections == nil, let descriptorLimit {
            configuration.http.maxConnections = min(
                configuration.http.maxConnections, DescriptorLimit.connectionCap(soft: descriptorLimit))
        }
        return configuration
    }

    /// Every setting in force, as the start-up log shows it: secrets redacted, and which
    /// variables of the environment were read.
    func effectiveConfiguration(
        environment: [String: String], _ configuration: ServiceConfiguration? = nil
    ) -> Logger.Metadata {
        let configuration = configuration ?? serviceConfiguration
        var metadata = configuration.logMetadata.mapValues { Logger.MetadataValue.string($0) }
        let model: [String: String] = [
            "model": self.model.modelValues.isEmpty ? self.model.model : self.model.modelValues.joined(separator: ","),
            "revision": self.model.revision, "threads": "\(self.model.threads)",
            "precision": self.model.precision.rawValue,
            "maxLength": "\(self.model.maxLength)", "truncationSide": self.model.truncationSide?.rawValue ?? "tokenizer config",
            "tokenTypeIds": self.model.tokenTypeIds.rawValue, "drainTimeout": "\(drainTimeout)",
            "logLevel": logLevel.rawValue, "logFormat": logFormat.rawValue,
        ]
        metadata.merge(model.mapValues { .string($0) }) { $1 }
        let twins = EnvironmentTwins.serve.map(\.variable).filter { environment[$0]?.isEmpty == false }
        metadata["environment"] = .array(twins.map { .string($0) })
        var hub: Logger.Metadata = [:]
        for name in EnvironmentTwins.hubVariables {
            guard let value = environment[name] else { continue }
            hub[name] = .string(name == "HF_TOKEN" ? "<redacted>" : value)
        }
        metadata["hub"] = .dictionary(hub)
        return metadata
    }
}

/// swift-log's levels as a flag value (a local type rather than a retroactive conformance).
enum LogLevelChoice: String, ExpressibleByArgument, CaseIterable {
    case trace, debug, info, notice, warning, error, critical

    var level: Logger.Level {
        switch self {
        case .trace: .trace
        case .debug: .debug
        case .info: .info
        case .notice: .notice
        case .warning: .warning
        case .error: .error
        case .critical: .critical
        }
    }
}
