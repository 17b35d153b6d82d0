// Every option's environment twin, resolved in one place. Before the command line is parsed, each
// twin variable that is set and whose flag the command line does not give becomes that flag, so the
// order is: flag, then environment, then the option's default — and parsing, validation and help
// stay ArgumentParser's. Platforms (containers, Kubernetes) configure the service through these.
import ArgumentParser
import Foundation

/// One option and the variable that stands in for it.
struct EnvironmentTwin: Sendable, Equatable {
    /// The long flag without dashes, e.g. "max-batch-tokens".
    let option: String
    /// A `--x/--no-x` flag pair: the variable holds true or false.
    let isBoolean: Bool
    /// Never echoed in logs or error messages.
    let isSecret: Bool
    /// A repeatable option: the variable holds a comma-separated list, one flag per entry.
    let isList: Bool

    init(_ option: String, isBoolean: Bool = false, isSecret: Bool = false, isList: Bool = false) {
        self.option = option
        self.isBoolean = isBoolean
        self.isSecret = isSecret
        self.isList = isList
    }

    /// "max-batch-tokens" → "REWARD_SERVER_MAX_BATCH_TOKENS".
    var variable: String {
        EnvironmentTwins.prefix + option.uppercased().replacingOccurrences(of: "-", with: "_")
    }
}

/// A variable the environment supplied for one invocation, for the start-up log.
struct EnvironmentSetting: Sendable, Equatable {
    let twin: EnvironmentTwin
    let value: String

    /// The value as logs and errors may show it.
    var displayValue: String { twin.isSecret ? "<redacted>" : value }
}

enum EnvironmentTwins {
    static let prefix = "REWARD_SERVER_"

    /// The options every model-using subcommand shares (ModelOptions).
    static let model: [EnvironmentTwin] = [
        EnvironmentTwin("model", isList: true), EnvironmentTwin("revision"), EnvironmentTwin("max-length"),
        EnvironmentTwin("truncation-side"), EnvironmentTwin("token-type-ids"), EnvironmentTwin("threads"),
        EnvironmentTwin("precision"),
    ]

    /// `serve`: every option it has.
    static let serve: [EnvironmentTwin] =
        model + [
            EnvironmentTwin("host"), EnvironmentTwin("port"), EnvironmentTwin("max-batch-tokens"),
            EnvironmentTwin("max-batch-pairs"), EnvironmentTwin("max-batch-delay"),
            EnvironmentTwin("max-queued-pairs"), EnvironmentTwin("max-queued-tokens"),
            EnvironmentTwin("request-timeout"), EnvironmentTwin("max-body-bytes"),
            EnvironmentTwin("max-items-per-request"), EnvironmentTwin("default-alpha"),
            EnvironmentTwin("max-request-tokens"), EnvironmentTwin("max-connections"),
            EnvironmentTwin("max-buffered-bytes"), EnvironmentTwin("idle-timeout"), EnvironmentTwin("header-timeout"),
            EnvironmentTwin("body-timeout"),
            EnvironmentTwin("auto-truncate", isBoolean: true), EnvironmentTwin("drain-timeout"),
            EnvironmentTwin("api-key", isSecret: true), EnvironmentTwin("log-level"), EnvironmentTwin("log-format"),
        ]

    /// The twins of each subcommand, by its name on the command line.
    static let bySubcommand: [String: [EnvironmentTwin]] = [
        "serve": serve, "score": model, "tokenize": model, "compare": model,
        "download": [EnvironmentTwin("model"), EnvironmentTwin("revision")],
    ]

    /// The environment variables of the Hugging Face Hub client that the service honours.
    static let hubVariables = ["HF_HOME", "HF_HUB_CACHE", "HF_ENDPOINT", "HF_TOKEN", "HF_HUB_OFFLINE"]

    /// The command line with the environment's settings added as flags, and what was taken from it.
    /// `arguments` excludes the program name; its first element names the subcommand.
    static func resolve(
        _ arguments: [String], environment: [String: String]
    ) throws -> (arguments: [String], settings: [EnvironmentSetting]) {
        guard let subcommand = arguments.first, let twins = bySubcommand[subcommand] else {
            return (arguments, [])
        }
        // Options after a bare "--" are positional values, not flags.
        let given = arguments.dropFirst().prefix { $0 != "--" }
        var injected: [String] = []
        var settings: [EnvironmentSetting] = []
        for twin in twins {
            guard let value = environment[twin.variable], !value.isEmpty else { continue }
            let spellings = twin.isBoolean ? ["--\(twin.option)", "--no-\(twin.option)"] : ["--\(twin.option)"]
            let isOnCommandLine = given.contains { argument in
                spellings.contains { argument == $0 || argument.hasPrefix($0 + "=") }
            }
            guard !isOnCommandLine else { continue }
            if twin.isBoolean {
                guard let flag = parseBoolean(value) else {
                    throw ValidationError("\(twin.variable) must be true or false, not '\(value)'")
                }
                injected.append(flag ? "--\(twin.option)" : "--no-\(twin.option)")
            } else if twin.isList {
                let entries = value.split(separator: ",", omittingEmptySubsequences: false)
                    .map { $0.trimmingCharacters(in: .whitespaces) }
                if entries.contains(where: \.isEmpty) {
                    throw ValidationError(
                        "\(twin.variable) has an empty entry: give a comma-separated list, '\(value)'")
                }
                injected += entries.map { "--\(twin.option)=\($0)" }
            } else {
                injected.append("--\(twin.option)=\(value)")
            }
            settings.append(EnvironmentSetting(twin: twin, value: value))
        }
        return ([subcommand] + injected + arguments.dropFirst(), settings)
    }

    /// The variables a subcommand reads, for its `--help`.
    static func helpDiscussion(for subcommand: String) -> String {
        let twins = bySubcommand[subcommand] ?? []
        let lines = twins.map { "  --\($0.option)".padding(toLength: 26, withPad: " ", startingAt: 0) + $0.variable }
        return "Environment (a flag on the command line wins over its variable, a variable over the default):\n"
            + lines.joined(separator: "\n")
    }

    static func parseBoolean(_ value: String) -> Bool? {
        switch value.lowercased() {
        case "1", "true", "yes", "on": true
        case "0", "false", "no", "off": false
        default: nil
        }
    }
}
