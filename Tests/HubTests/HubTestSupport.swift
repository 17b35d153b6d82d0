// Shared plumbing for the Hub tests: temporary caches, settings pointing at a fake hub, a fast
// retry policy, a logger that records what it was told, and fixture access.
import Foundation
import Glibc
import Logging
import Synchronization
import TestSupport
import Testing

@testable import Hub

let fixtureModel = Fixtures.model("tiny-v2-cased-st")
let fixtureBinModel = Fixtures.model("tiny-v1-cased-bin")
let repoID = "test-org/tiny-reward"

/// Retries quickly so the fault tests stay short; the schedule itself is not under test here.
let fastRetries = RetryPolicy(attempts: 4, initialBackoff: .milliseconds(10), maxBackoff: .milliseconds(40))

/// A fresh directory under the system temporary directory, removed by `cleanUp`.
struct TemporaryDirectory {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("hub-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func cleanUp() { try? FileManager.default.removeItem(at: url) }
}

/// Settings as the environment of a user of `hub` would give them, HOME included so no real
/// token file or cache is ever read.
func hubSettings(
    hub: FakeHub?, home: URL, token: String? = nil, offline: Bool = false, extra: [String: String] = [:]
) -> HubSettings {
    var environment = ["HOME": home.path, "HF_HOME": home.appendingPathComponent("hf").path]
    if let hub { environment["HF_ENDPOINT"] = hub.url }
    if let token { environment["HF_TOKEN"] = token }
    if offline { environment["HF_HUB_OFFLINE"] = "1" }
    environment.merge(extra) { $1 }
    return HubSettings(environment: environment)
}

/// Resolves through the fake hub with the fast retry policy and log-line progress.
func resolve(
    _ model: String = repoID, revision: String = "main", settings: HubSettings, logs: LogRecorder = LogRecorder()
) async throws -> URL {
    try await ModelResolver.resolve(
        model: model, revision: revision, settings: settings, logger: logs.logger, policy: fastRetries,
        progress: .log)
}

/// Runs `body` with a fake hub serving `repos` and a temporary home; both are torn down after.
func withFakeHub<T>(
    _ repos: [FakeRepo], _ body: (FakeHub, URL) async throws -> T
) async throws -> T {
    let hub = try FakeHub(repos)
    let home = try TemporaryDirectory()
    defer {
        hub.stop()
        home.cleanUp()
    }
    return try await body(hub, home.url)
}

func fixtureRepo(_ directory: URL = fixtureModel, id: String = repoID, commit: Int = 1) throws -> FakeRepo {
    try FakeRepo.fixture(directory, id: id, commit: FakeRepo.commit(commit))
}

/// The cache layout huggingface_hub uses, for assertions written independently of HubCache.
struct ExpectedLayout {
    let cache: URL
    let repo: String

    var repoFolder: URL { cache.appendingPathComponent("models--" + repo.replacingOccurrences(of: "/", with: "--")) }
    func snapshot(_ commit: String) -> URL { repoFolder.appendingPathComponent("snapshots/\(commit)") }
    func blob(_ etag: String) -> URL { repoFolder.appendingPathComponent("blobs/\(etag)") }
    func ref(_ name: String) -> URL { repoFolder.appendingPathComponent("refs/\(name)") }
    var blobNames: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: repoFolder.appendingPathComponent("blobs").path)) ?? [])
            .sorted()
    }
}

extension HubSettings {
    func layout(_ repo: String = repoID) -> ExpectedLayout { ExpectedLayout(cache: cacheDirectory, repo: repo) }
}

/// Catches the HubError a resolve throws (or records that none was thrown).
func hubError(_ body: () async throws -> Void) async -> HubError? {
    do {
        try await body()
        Issue.record("expected a HubError, but the call succeeded")
        return nil
    } catch let error as HubError {
        return error
    } catch {
        Issue.record("expected a HubError, got \(error)")
        return nil
    }
}

/// A port that refuses connections: bound (so no other test can take it) but not listening.
final class RefusingPort {
    private let descriptor: Int32
    let port: Int

    init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.descriptor = descriptor
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(descriptor, pointer, length) == 0 && getsockname(descriptor, pointer, &length) == 0
            }
        }
        guard bound else { throw FakeHubError("cannot bind: errno \(errno)") }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    var endpoint: String { "http://127.0.0.1:\(port)" }

    deinit { close(descriptor) }
}
