// Environment twins: flag over variable over default, resolved before parsing, for every option.
import ArgumentParser
import Foundation
import RewardService
import Testing

@testable import RewardServer

/// Parses `serve` as the executable does: environment first, then ArgumentParser.
private func serve(_ flags: [String], environment: [String: String]) throws -> ServeCommand {
    let resolved = try EnvironmentTwins.resolve(["serve"] + flags, environment: environment)
    return try ServeCommand.parse(Array(resolved.arguments.dropFirst()))
}

@Test func variablesFillOptionsTheCommandLineLeavesOut() throws {
    let command = try serve(
        ["--port", "9000"],
        environment: [
            "REWARD_SERVER_PORT": "7000", "REWARD_SERVER_HOST": "0.0.0.0", "REWARD_SERVER_MODEL": "/models/m",
            "REWARD_SERVER_REVISION": "v2", "REWARD_SERVER_MAX_BATCH_TOKENS": "2048",
            "REWARD_SERVER_MAX_BATCH_PAIRS": "8", "REWARD_SERVER_MAX_BATCH_DELAY": "5",
            "REWARD_SERVER_MAX_QUEUED_PAIRS": "512", "REWARD_SERVER_MAX_QUEUED_TOKENS": "65536",
            "REWARD_SERVER_REQUEST_TIMEOUT": "12.5", "REWARD_SERVER_MAX_BODY_BYTES": "1000",
            "REWARD_SERVER_MAX_ITEMS_PER_REQUEST": "16", "REWARD_SERVER_DEFAULT_ALPHA": "-2",
            "REWARD_SERVER_AUTO_TRUNCATE": "false", "REWARD_SERVER_MAX_LENGTH": "128",
            "REWARD_SERVER_TRUNCATION_SIDE": "left", "REWARD_SERVER_TOKEN_TYPE_IDS": "segments",
            "REWARD_SERVER_THREADS": "3", "REWARD_SERVER_API_KEY": "k", "REWARD_SERVER_LOG_LEVEL": "debug",
            "REWARD_SERVER_LOG_FORMAT": "json", "REWARD_SERVER_DRAIN_TIMEOUT": "7",
        ])
    let configuration = command.serviceConfiguration
    #expect(configuration.http.port == 9000)  // the flag wins
    #expect(configuration.http.host == "0.0.0.0")
    #expect(configuration.http.limits.maxBodyBytes == 1000)
    #expect(configuration.http.drainTimeout == .seconds(7))
    #expect(configuration.batching.maxBatchTokens == 2048)
    #expect(configuration.batching.maxBatchItems == 8)
    #expect(configuration.batching.maxBatchDelay == .milliseconds(5))
    #expect(configuration.batching.maxQueuedItems == 512)
    #expect(configuration.batching.maxQueuedTokens == 65536)
    #expect(configuration.requests.requestTimeout == .milliseconds(12500))
    #expect(configuration.requests.maxItemsPerRequest == 16)
    #expect(configuration.requests.defaultAlpha == -2)
    #expect(configuration.requests.defaultTruncate == false)
    #expect(configuration.authorization == BearerAuthorization(key: "k"))
    #expect(command.model.model == "/models/m")
    #expect(command.model.revision == "v2")
    #expect(command.model.maxLength == 128)
    #expect(command.model.truncationSide == .left)
    #expect(command.model.tokenTypeIds == .segments)
    #expect(command.model.threads == 3)
    #expect(command.logLevel == .debug)
    #expect(command.logFormat == .json)
}

@Test func withNothingSetTheDefaultsHold() throws {
    let command = try serve([], environment: ["UNRELATED": "1", "REWARD_SERVER_PORT": ""])
    #expect(command.model.model == "nicholasKluge/RewardModel")
    #expect(command.model.revision == "main")
    #expect(command.serviceConfiguration.http.port == 8080)
    #expect(command.serviceConfiguration.authorization == nil)
    #expect(command.logFormat == .text)
}

@Test func booleanVariablesAcceptTheUsualSpellingsAndTheFlagWins() throws {
    for (value, expected) in [
        ("true", true), ("1", true), ("YES", true), ("on", true), ("false", false), ("0", false), ("No", false),
        ("off", false),
    ] {
        let command = try serve([], environment: ["REWARD_SERVER_AUTO_TRUNCATE": value])
        #expect(command.autoTruncate == expected, "\(value)")
    }
    let flagged = try serve(["--auto-truncate"], environment: ["REWARD_SERVER_AUTO_TRUNCATE": "false"])
    #expect(flagged.autoTruncate)
    let negated = try serve(["--no-auto-truncate"], environment: ["REWARD_SERVER_AUTO_TRUNCATE": "true"])
    #expect(!negated.autoTruncate)
    #expect(throws: ValidationError.self) {
        try EnvironmentTwins.resolve(["serve"], environment: ["REWARD_SERVER_AUTO_TRUNCATE": "maybe"])
    }
}

@Test func badValuesFromTheEnvironmentFailLikeBadFlags() {
    for (name, value) in [
        ("REWARD_SERVER_PORT", "http"), ("REWARD_SERVER_PORT", "70000"), ("REWARD_SERVER_DEFAULT_ALPHA", "nan"),
        ("REWARD_SERVER_LOG_FORMAT", "xml"), ("REWARD_SERVER_TOKEN_TYPE_IDS", "ones"), ("REWARD_SERVER_THREADS", "0"),
    ] {
        #expect(throws: (any Error).self, "\(name)=\(value)") { try serve([], environment: [name: value]) }
    }
}

@Test func theFlagWinsInEverySpellingAndNothingAfterADoubleDashCounts() throws {
    let equals = try serve(["--port=9001"], environment: ["REWARD_SERVER_PORT": "7000"])
    #expect(equals.serviceConfiguration.http.port == 9001)
    let resolved = try EnvironmentTwins.resolve(
        ["score", "--", "--model"], environment: ["REWARD_SERVER_MODEL": "/m"])
    #expect(resolved.arguments == ["score", "--model=/m", "--", "--model"])
}

@Test func onlyTheSubcommandsOwnVariablesAreRead() throws {
    let environment = ["REWARD_SERVER_PORT": "1", "REWARD_SERVER_MODEL": "/m", "REWARD_SERVER_API_KEY": "k"]
    let score = try EnvironmentTwins.resolve(["score", "--prompt", "p"], environment: environment)
    #expect(score.arguments == ["score", "--model=/m", "--prompt", "p"])
    let unknown = try EnvironmentTwins.resolve(["help"], environment: environment)
    #expect(unknown.arguments == ["help"])
    #expect(try EnvironmentTwins.resolve([], environment: environment).arguments.isEmpty)
}

@Test func secretsAreRedactedWhereverSettingsAreShown() throws {
    let resolved = try EnvironmentTwins.resolve(
        ["serve"], environment: ["REWARD_SERVER_API_KEY": "hunter2", "REWARD_SERVER_PORT": "1"])
    #expect(resolved.settings.map(\.displayValue).sorted() == ["1", "<redacted>"])
    let command = try ServeCommand.parse(Array(resolved.arguments.dropFirst()))
    let logged = command.effectiveConfiguration(
        environment: ["REWARD_SERVER_API_KEY": "hunter2", "HF_TOKEN": "hf_secret", "HF_HOME": "/data"])
    let text = "\(logged)"
    #expect(!text.contains("hunter2"))
    #expect(!text.contains("hf_secret"))
    #expect(logged["apiKey"] == "<redacted>")
    #expect(text.contains("REWARD_SERVER_API_KEY"))
    #expect(text.contains("/data"))
}

/// Every option `serve --help` lists has a twin, and every twin names a real option: the table
/// cannot drift from the command.
@Test func everyServeOptionHasATwinAndTheHelpNamesIt() {
    let help = ServeCommand.helpMessage(columns: 200)
    let flags = Set(
        help.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "," })
            .filter { $0.hasPrefix("--") && !$0.hasPrefix("--no-") }
            .map { String($0.dropFirst(2).prefix { $0.isLetter || $0 == "-" }) }
    ).subtracting(["help", ""])
    let twins = Set(EnvironmentTwins.serve.map(\.option))
    #expect(flags == twins)
    for twin in EnvironmentTwins.serve {
        #expect(help.contains(twin.variable), "\(twin.variable) missing from --help")
    }
}
