// `reward-server serve`: the HTTP scoring service. Flags fill the service's configuration tree;
// the start-up and shutdown order is ServiceRunner's. The only place that bootstraps logging.
import ArgumentParser
import Batching
import Foundation
import HTTPServer
import Logging
import RewardService

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve POST /score and /rank over HTTP/1.1, batching concurrent requests into one engine.",
        discussion: """
            Start-up: load the model, run one warm-up pass, start the batcher, listen, then report ready \
            (GET /ready → 200). SIGTERM/SIGINT: /ready turns 503, the listener closes, requests in flight \
            finish, the queue drains, and the process exits 0. Logs go to stderr.

            \(EnvironmentTwins.helpDiscussion(for: "serve"))
            Hub: HF_HOME (cache at $HF_HOME/hub), HF_HUB_CACHE, HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE=1 (cache only).
            """)

    @OptionGroup var model: ModelOptions

    @Option(help: "Address to listen on (an IPv4 or IPv6 literal).")
    var host: String = "127.0.0.1"

    @Option(help: "Port to listen on; 0 picks a free one (logged).")
    var port: Int = 8080

    @Option(
        help: """
            Most tokens in one engine batch. The engine packs a batch's tokens without padding and its \
            matrix products run at full speed from ~128 rows on, so throughput barely grows past a few \
            thousand tokens while every request that arrives during a batch waits for all of it: 4096 \
            keeps a full batch to a few seconds on bert-base at 2 cores while filling the products.
            """)
    var maxBatchTokens: Int = 4096

    @Option(help: "Most pairs in one engine batch (32: enough short pairs to pass 128 rows; bounds per-batch latency).")
    var maxBatchPairs: Int = 32

    @Option(
        help:
            "Milliseconds a batch that is not full may wait for more pairs once the engine is free (0: start at once).")
    var maxBatchDelay: Int = 0

    @Option(help: "Most pairs waiting in the queue; beyond it requests get 429 with Retry-After.")
    var maxQueuedPairs: Int = 1024

    @Option(help: "Most tokens waiting in the queue; beyond it requests get 429 with Retry-After.")
    var maxQueuedTokens: Int = 131_072

    @Option(
        help:
            "Seconds from a request's arrival until its pairs must be computed; then 504 and its queued pairs are dropped."
    )
    var requestTimeout: Double = 30

    @Option(help: "Largest request body in bytes (413 beyond).")
    var maxBodyBytes: Int = 4 * 1024 * 1024

    @Option(help: "Most pairs in one /score batch or responses in one /rank (422 beyond).")
    var maxItemsPerRequest: Int = 64

    @Option(help: "alpha for requests that give none; must be finite.")
    var defaultAlpha: Double = 1

    @Flag(
        inversion: .prefixedNo,
        help: """
            Truncate over-long pairs (longest first) when a request does not say (`truncate`); with \
            --no-auto-truncate such a pair is a 422 instead of a score of a shortened text.
            """)
    var autoTruncate: Bool = true

    @Option(
        help: """
            Seconds to let requests in flight finish at shutdown before closing their connections. Keep \
            it below the platform's grace period (Kubernetes: terminationGracePeriodSeconds minus preStop).
            """)
    var drainTimeout: Double = 25

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
        if let problem = serviceConfiguration.problems.first { throw ValidationError(problem) }
    }

    var serviceConfiguration: ServiceConfiguration {
        var http = HTTPServerConfiguration(host: host, port: port, drainTimeout: .seconds(drainTimeout))
        http.limits.maxBodyBytes = maxBodyBytes
        let batching = BatchLimits(
            maxBatchItems: maxBatchPairs, maxBatchTokens: maxBatchTokens, maxBatchDelay: .milliseconds(maxBatchDelay),
            maxQueuedItems: maxQueuedPairs, maxQueuedTokens: maxQueuedTokens)
        let requests = RequestLimits(
            maxItemsPerRequest: maxItemsPerRequest, defaultAlpha: defaultAlpha, defaultTruncate: autoTruncate,
            requestTimeout: .seconds(requestTimeout))
        return ServiceConfiguration(
            http: http, batching: batching, requests: requests, authorization: BearerAuthorization(key: apiKey))
    }

    func run() async throws {
        LogOutput.bootstrap(format: logFormat, level: logLevel.level)
        let logger = Logger(label: "reward-server")
        logger.info("configuration", metadata: effectiveConfiguration(environment: ProcessInfo.processInfo.environment))
        let directory = try await model.resolveDirectory(logger: logger)
        try await ServiceRunner.runUntilShutdownSignal {
            try ServiceRunner.launch(
                directory: directory, options: model.encodingOptions, threads: model.threads,
                configuration: serviceConfiguration, logger: logger)
        }
    }

    /// Every setting in force, as the start-up log shows it: secrets redacted, and which
    /// variables of the environment were read.
    func effectiveConfiguration(environment: [String: String]) -> Logger.Metadata {
        var metadata = serviceConfiguration.logMetadata.mapValues { Logger.MetadataValue.string($0) }
        let model: [String: String] = [
            "model": self.model.model, "revision": self.model.revision, "threads": "\(self.model.threads)",
            "maxLength": "\(self.model.maxLength)", "truncationSide": self.model.truncationSide.rawValue,
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
