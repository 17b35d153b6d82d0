// The deployment files (Dockerfile, Deploy/, compose.yaml) speak the binary's language: every
// variable they set is one `serve` reads (or a Hub variable), their values parse, the port they
// publish is the one the server listens on, and every path they probe answers 200 on a ready
// service. Scripts/lint-deploy.sh checks the files' own schemas; this checks them against the code.
import Foundation
import HTTPServer
import Logging
import RewardService
import TestSupport
import Testing

@testable import RewardServer

private let repository = Fixtures.packageRoot

private func text(_ path: String) throws -> String {
    try String(contentsOf: repository.appendingPathComponent(path), encoding: .utf8)
}

/// `key: value` on one line, with the value's quotes removed; nil when the line is not that.
private func field(_ line: Substring, _ key: String) -> String? {
    let trimmed = line.drop { $0 == " " || $0 == "-" }.drop { $0 == " " }
    guard trimmed.hasPrefix(key + ":") else { return nil }
    let value = trimmed.dropFirst(key.count + 1).trimmingCharacters(in: .whitespaces)
    return value.trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
}

/// The Deployment's container env: name → literal value (nil for `valueFrom`).
private func deploymentEnvironment(_ manifest: String) -> [(name: String, value: String?)] {
    let lines = manifest.split(separator: "\n")
    var entries: [(String, String?)] = []
    for (index, line) in lines.enumerated() {
        guard line.trimmingCharacters(in: .whitespaces).hasPrefix("- name:"), let name = field(line, "name"),
            name.uppercased() == name, name.contains("_")
        else { continue }
        let next = lines.dropFirst(index + 1).first { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("#") }
        entries.append((name, next.flatMap { field($0, "value") }))
    }
    return entries
}

/// compose.yaml's `environment:` map: name → the literal or `${VAR:-default}` default, nil when empty.
private func composeEnvironment(_ compose: String) -> [(name: String, value: String?)] {
    let lines = compose.split(separator: "\n")
    guard let start = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "environment:" }) else {
        return []
    }
    let indent = lines[start].prefix { $0 == " " }.count
    var entries: [(String, String?)] = []
    for line in lines[(start + 1)...] {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("#") { continue }
        guard line.prefix(while: { $0 == " " }).count > indent else { break }
        let parts = trimmed.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        var value = parts.count > 1 ? parts[1].trimmingCharacters(in: CharacterSet(charactersIn: "\"'")) : ""
        if value.hasPrefix("${"), let range = value.range(of: ":-") {
            value = String(value[range.upperBound...].dropLast())
        }
        entries.append((parts[0], value.isEmpty ? nil : value))
    }
    return entries
}

private let knownVariables = Set(EnvironmentTwins.serve.map(\.variable) + EnvironmentTwins.hubVariables)

/// `serve` parsed from these variables (and `flags`), as the executable would.
private func parseServe(_ environment: [String: String], flags: [String] = []) throws -> ServeCommand {
    let resolved = try EnvironmentTwins.resolve(["serve"] + flags, environment: environment)
    return try ServeCommand.parse(Array(resolved.arguments.dropFirst()))
}

@Test func kubernetesDeploymentSetsOnlyVariablesServeReadsWithValuesItAccepts() throws {
    let manifest = try text("Deploy/deployment.yaml")
    let entries = deploymentEnvironment(manifest)
    #expect(entries.count >= 8, "env not found in Deploy/deployment.yaml")
    for entry in entries {
        #expect(knownVariables.contains(entry.name), "Deploy/deployment.yaml sets \(entry.name), which serve ignores")
    }
    // valueFrom entries get a value of the kind Kubernetes fills in.
    var environment = Dictionary(uniqueKeysWithValues: entries.compactMap { e in e.value.map { (e.name, $0) } })
    environment["REWARD_SERVER_THREADS"] = "2"
    environment["REWARD_SERVER_API_KEY"] = "from-secret"
    let command = try parseServe(environment)
    let port = try #require(manifest.split(separator: "\n").lazy.compactMap { field($0, "containerPort") }.first)
    #expect(Int(port) == command.serviceConfiguration.http.port)
    #expect(command.serviceConfiguration.http.host == "0.0.0.0")
    #expect(command.model.threads == 2)
    // The grace period must outlast the preStop sleep plus the drain the server is configured with.
    let grace = try #require(
        manifest.split(separator: "\n").lazy.compactMap { field($0, "terminationGracePeriodSeconds") }.first)
    let sleep = try #require(manifest.firstMatch(of: /command: \["sleep", "(\d+)"\]/)?.1)
    #expect(Double(grace)! > Double(sleep)! + command.drainTimeout)
}

@Test func composeSetsOnlyVariablesServeReadsWithValuesItAccepts() throws {
    let compose = try text("compose.yaml")
    let entries = composeEnvironment(compose)
    #expect(entries.count >= 6, "environment not found in compose.yaml")
    for entry in entries {
        #expect(knownVariables.contains(entry.name), "compose.yaml sets \(entry.name), which serve ignores")
    }
    let environment = Dictionary(uniqueKeysWithValues: entries.compactMap { e in e.value.map { (e.name, $0) } })
    // The image's CMD supplies --host.
    let command = try parseServe(environment, flags: ["--host", "0.0.0.0"])
    let published = try #require(compose.firstMatch(of: /"(\d+):(\d+)"/))
    #expect(Int(published.2) == command.serviceConfiguration.http.port)
    let stopGrace = try #require(compose.firstMatch(of: /stop_grace_period: (\d+)s/)?.1)
    #expect(Double(stopGrace)! > command.drainTimeout)
}

@Test func dockerfileRunsAServeCommandLineTheBinaryAccepts() throws {
    let dockerfile = try text("Dockerfile")
    let exposed = try #require(dockerfile.firstMatch(of: /\nEXPOSE (\d+)/)?.1)
    #expect(dockerfile.contains("\nENTRYPOINT [\"reward-server\"]\n"))
    let cmd = try #require(dockerfile.firstMatch(of: /\nCMD \[(.*)\]/)?.1)
    let arguments = cmd.split(separator: ",").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: " \"")) }
    #expect(arguments.first == "serve")
    let command = try parseServe([:], flags: Array(arguments.dropFirst()))
    #expect(Int(exposed) == command.serviceConfiguration.http.port)
    #expect(dockerfile.contains("ENV HF_HOME=/data"))
}

/// Every path the deployment files probe or scrape answers 200 on a ready service.
@Test func probedPathsAnswer200OnAReadyService() async throws {
    var paths = Set<String>()
    for file in ["Deploy/deployment.yaml", "compose.yaml", "Dockerfile"] {
        for match in try text(file).matches(of: /(?:path: |prometheus\.io\/path: |127\.0\.0\.1:[^\/]*)(\/[a-z]+)/) {
            paths.insert(String(match.1))
        }
    }
    #expect(paths.isSuperset(of: ["/health", "/ready", "/metrics"]), "\(paths)")
    let model = try RewardModel(
        directory: Fixtures.model("tiny-v2-cased-st"), options: EncodingOptions(), threads: 1)
    let service = RewardService(
        model: model, configuration: ServiceConfiguration(),
        logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() })
    service.markReady()
    for path in paths.sorted() {
        let response = await service.handle(
            HTTPRequest(method: "GET", target: path), context: .detached())
        #expect(response.status.code == 200, "\(path) → \(response.status.code)")
    }
    await service.drainQueue()
}
