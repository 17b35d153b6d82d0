// Options every model-using subcommand shares, and how they become a loaded RewardModel.
import ArgumentParser
import Foundation
import Hub
import Logging
import RewardService
import Tokenizer

enum TypeIdChoice: String, ExpressibleByArgument, CaseIterable {
    case zeros, segments
}

extension Precision: ExpressibleByArgument {}

enum TruncationSideChoice: String, ExpressibleByArgument, CaseIterable {
    case right, left
}

struct ModelOptions: ParsableArguments {
    static let defaultModel = "nicholasKluge/RewardModel"

    @Option(
        name: .customLong("model"),
        help: ArgumentHelp(
            """
            A model directory (config.json, model.safetensors or pytorch_model.bin, tokenizer files) or a \
            Hugging Face Hub repo id, downloaded once into the Hub cache ($HF_HOME/hub) and reused offline. \
            serve: repeat as NAME=DIR_OR_REPO_ID to serve several models (the first is the default; \
            requests choose one with their `model` field); score, compare and tokenize take one.
            """, valueName: "model"))
    var modelValues: [String] = []

    /// The models `--model` names, in order (the default model when it names none).
    var models: [ServedModelSpec] {
        (try? ServedModelSpec.parse(modelValues)) ?? [ServedModelSpec(name: nil, source: Self.defaultModel)]
    }

    /// The one model a single-model subcommand uses: `--model`'s source (a `NAME=` prefix is allowed).
    var model: String { models[0].source }

    @Option(help: "Hub revision (branch, tag or commit) when --model is a repo id.")
    var revision: String = "main"

    @Option(help: "Longest input in tokens, special tokens included (capped by the model's max_position_embeddings).")
    var maxLength: Int = 512

    @Option(
        help: """
            Which end of the longer text loses tokens when a pair is too long (default: the model's \
            tokenizer_config.json truncation_side, else right).
            """)
    var truncationSide: TruncationSideChoice?

    @Option(
        help: """
            Segment ids: 'zeros' (how RewardModel was trained) or 'segments' (0 for the prompt, 1 for \
            the response, for cross-encoders trained that way).
            """)
    var tokenTypeIds: TypeIdChoice = .zeros

    @Option(
        help: """
            CPU threads for the forward pass. Match the CPUs the process may use (a container's CPU \
            limit): more threads than cores slow every batch down.
            """)
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(
        help: """
            fp32 (exact, the default) or int8: the encoder's linear layers quantised at load, faster and \
            close to fp32 (see the README's accuracy figures).
            """)
    var precision: Precision = .fp32

    func validate() throws {
        guard maxLength >= 3 else {
            throw ValidationError("--max-length must be at least 3 (room for [CLS] and two [SEP])")
        }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        _ = try ServedModelSpec.parse(modelValues)
    }

    /// Refuses several models where a subcommand takes one.
    func requireOneModel(_ subcommand: String) throws {
        guard modelValues.count <= 1 else {
            throw ValidationError(
                "\(subcommand) takes one --model, got \(modelValues.count) (\(modelValues.joined(separator: ", "))); "
                    + "several models are for serve")
        }
    }

    var encodingOptions: EncodingOptions {
        EncodingOptions(
            maxLength: maxLength,
            truncationSide: truncationSide.map { $0 == .left ? .left : .right },
            typeIds: tokenTypeIds == .segments ? .segments : .zeros)
    }

    /// The model's directory: `source` (default: `--model`) itself when it is a local directory, else
    /// the Hub snapshot.
    func resolveDirectory(
        source: String? = nil, logger: Logger, observer: DownloadObserver? = nil
    ) async throws -> URL {
        try await ModelResolver.resolve(
            model: source ?? model, revision: revision, settings: HubSettings(), logger: logger, observer: observer)
    }

    /// Loads the model; download progress and logs go to stderr, since stdout carries the results.
    func load(
        logger: Logger = Logger(label: "reward-server") { StreamLogHandler.standardError(label: $0) }
    ) async throws -> RewardModel {
        let directory = try await resolveDirectory(logger: logger)
        return try load(directory: directory)
    }

    /// Loads the model in `directory` with these options.
    func load(directory: URL) throws -> RewardModel {
        try RewardModel(directory: directory, options: encodingOptions, threads: threads, precision: precision)
    }
}

/// The pair given on the command line; without `--prompt`, subcommands read JSON lines from stdin.
struct PairOptions: ParsableArguments {
    @Option(help: "The prompt. Without it, pairs are read from stdin as JSON lines.")
    var prompt: String?

    @Option(help: "The response (used with --prompt).")
    var response: String = ""
}
