// Downloads under faults: transfers cut off, partial files from earlier runs, servers that ignore
// Range, checksum mismatches, auth failures, missing files and repos, CDN redirects, no network.
import Foundation
import TestSupport
import Testing

@testable import Hub

@Suite(.serialized) struct ResolverFaultTests {
    static let weights = "model.safetensors"

    @Test func aTransferCutOffMidFileResumesWithRangeFromWhereItStopped() async throws {
        let repo = try fixtureRepo()
        try await withFakeHub([repo]) { hub, home in
            hub.setFaults { $0.cutAfter[Self.weights] = 100_000 }
            let logs = LogRecorder()
            let snapshot = try await resolve(settings: hubSettings(hub: hub, home: home), logs: logs)
            #expect(try Data(contentsOf: snapshot.appendingPathComponent(Self.weights)) == repo.files[Self.weights])
            let gets = hub.downloads(of: Self.weights)
            #expect(gets.count == 2)
            #expect(gets.first?.header("Range") == nil)
            #expect(gets.last?.header("Range") == "bytes=100000-")
            #expect(logs.messages.contains { $0.contains("resuming at byte 100000") })
        }
    }

    @Test func aPartialFileFromAnEarlierRunIsResumed() async throws {
        let repo = try fixtureRepo()
        let data = repo.files[Self.weights]!
        try await withFakeHub([repo]) { hub, home in
            let settings = hubSettings(hub: hub, home: home)
            let layout = settings.layout()
            let sha = SHA256.hexDigest(of: data)
            try FileManager.default.createDirectory(
                at: layout.repoFolder.appendingPathComponent("blobs"), withIntermediateDirectories: true)
            try data.prefix(200_000).write(to: layout.repoFolder.appendingPathComponent("blobs/\(sha).incomplete"))

            let snapshot = try await resolve(settings: settings)
            #expect(try Data(contentsOf: snapshot.appendingPathComponent(Self.weights)) == data)
            #expect(hub.downloads(of: Self.weights).map { $0.header("Range") } == ["bytes=200000-"])
            #expect(layout.blobNames.contains(sha))
            #expect(!layout.blobNames.contains("\(sha).incomplete"))
        }
    }

    @Test func aServerIgnoringRangeMakesTheDownloadStartOver() async throws {
        let repo = try fixtureRepo()
        let data = repo.files[Self.weights]!
        try await withFakeHub([repo]) { hub, home in
            hub.setFaults { $0.ignoreRange = true }
            let settings = hubSettings(hub: hub, home: home)
            let layout = settings.layout()
            let sha = SHA256.hexDigest(of: data)
            try FileManager.default.createDirectory(
                at: layout.repoFolder.appendingPathComponent("blobs"), withIntermediateDirectories: true)
            // Bytes that are not the file's: appending to them would fail the checksum.
            try Data(repeating: 0xEE, count: 4096).write(
                to: layout.repoFolder.appendingPathComponent("blobs/\(sha).incomplete"))

            let snapshot = try await resolve(settings: settings)
            #expect(try Data(contentsOf: snapshot.appendingPathComponent(Self.weights)) == data)
            #expect(hub.downloads(of: Self.weights).map { $0.header("Range") } == ["bytes=4096-"])
        }
    }

    @Test func aChecksumMismatchFailsAndLeavesNoBlob() async throws {
        let repo = try fixtureRepo()
        let data = repo.files[Self.weights]!
        try await withFakeHub([repo]) { hub, home in
            hub.setFaults { $0.wrongSHA256 = [Self.weights] }
            let settings = hubSettings(hub: hub, home: home)
            let advertised = SHA256.hexDigest(of: data + Data("tampered".utf8))
            let error = await hubError { _ = try await resolve(settings: settings) }
            #expect(
                error == .checksumMismatch(file: Self.weights, expected: advertised, actual: SHA256.hexDigest(of: data))
            )
            let text = error.map(String.init(describing:)) ?? ""
            #expect(text.contains(Self.weights) && text.contains(advertised))
            let layout = settings.layout()
            #expect(!layout.blobNames.contains { $0.hasPrefix(advertised) })
            #expect(!FileManager.default.fileExists(atPath: layout.ref("main").path))
        }
    }

    @Test func aGitFileOfTheWrongSizeFailsAndLeavesNoBlob() async throws {
        let repo = try fixtureRepo()
        let config = repo.files["config.json"]!
        try await withFakeHub([repo]) { hub, home in
            hub.setFaults { $0.wrongSize = ["config.json"] }
            let settings = hubSettings(hub: hub, home: home)
            let error = await hubError { _ = try await resolve(settings: settings) }
            #expect(
                error
                    == .sizeMismatch(
                        file: "config.json", expected: Int64(config.count + 1), actual: Int64(config.count)))
            #expect(settings.layout().blobNames.isEmpty)
        }
    }

    @Test func unauthorizedNamesHFTokenAndNeverTheToken() async throws {
        try await withFakeHub([try fixtureRepo()]) { hub, home in
            hub.setFaults { $0.requiredToken = "hf_right" }

            let anonymous = await hubError { _ = try await resolve(settings: hubSettings(hub: hub, home: home)) }
            #expect(anonymous == .accessDenied(repo: repoID, status: 401, tokenSent: false))
            #expect(anonymous.map(String.init(describing:))?.contains("HF_TOKEN") == true)

            let wrong = await hubError {
                _ = try await resolve(settings: hubSettings(hub: hub, home: home, token: "hf_wrong_secret"))
            }
            #expect(wrong == .accessDenied(repo: repoID, status: 401, tokenSent: true))
            #expect(wrong.map(String.init(describing:))?.contains("hf_wrong_secret") == false)

            let logs = LogRecorder()
            _ = try await resolve(settings: hubSettings(hub: hub, home: home, token: "hf_right"), logs: logs)
            #expect(hub.requests.last?.header("Authorization") == "Bearer hf_right")
            #expect(!logs.messages.contains { $0.contains("hf_right") })
        }
    }

    @Test func aGatedRepoAnswering403IsAccessDenied() async throws {
        try await withFakeHub([try fixtureRepo()]) { hub, home in
            hub.setFaults {
                $0.requiredToken = "hf_granted"
                $0.deniedStatus = 403
            }
            let error = await hubError {
                _ = try await resolve(settings: hubSettings(hub: hub, home: home, token: "hf_not_granted"))
            }
            #expect(error == .accessDenied(repo: repoID, status: 403, tokenSent: true))
            #expect(error.map(String.init(describing:))?.contains("gated") == true)
        }
    }

    @Test func transientServerErrorsAreRetried() async throws {
        let repo = try fixtureRepo()
        try await withFakeHub([repo]) { hub, home in
            hub.setFaults { $0.unavailableRequests = 2 }
            let logs = LogRecorder()
            let snapshot = try await resolve(settings: hubSettings(hub: hub, home: home), logs: logs)
            #expect(try Data(contentsOf: snapshot.appendingPathComponent("config.json")) == repo.files["config.json"])
            #expect(
                hub.requests.prefix(3).map(\.path) == Array(repeating: "/api/models/\(repoID)/revision/main", count: 3))
            #expect(logs.messages.filter { $0.contains("HTTP 503; retrying") }.count == 2)
        }
    }

    @Test func transfersCutEveryFiftyKilobytesStillCompleteByResuming() async throws {
        let repo = try fixtureRepo()
        let data = repo.files[Self.weights]!
        try await withFakeHub([repo]) { hub, home in
            hub.setFaults { $0.alwaysCutAfter[Self.weights] = 50_000 }
            let snapshot = try await resolve(settings: hubSettings(hub: hub, home: home))
            #expect(try Data(contentsOf: snapshot.appendingPathComponent(Self.weights)) == data)
            // More transfers than the retry budget: each one that gets further starts the count over.
            let ranges = hub.downloads(of: Self.weights).map { $0.header("Range") }
            let expected = [nil] + stride(from: 50_000, to: data.count, by: 50_000).map { "bytes=\($0)-" }
            #expect(ranges == expected)
        }
    }

    @Test func aServerThatCutsEveryTransferAndIgnoresRangeEventuallyFails() async throws {
        let repo = try fixtureRepo()
        try await withFakeHub([repo]) { hub, home in
            hub.setFaults {
                $0.ignoreRange = true
                $0.alwaysCutAfter[Self.weights] = 50_000
            }
            let error = await hubError { _ = try await resolve(settings: hubSettings(hub: hub, home: home)) }
            guard case .network(let what, let attempts, _) = error else {
                Issue.record("expected a network error, got \(String(describing: error))")
                return
            }
            #expect(what.contains(Self.weights))
            #expect(attempts == fastRetries.attempts)
        }
    }

    @Test func aMissingFileIsAClear404() async throws {
        try await withFakeHub([try fixtureRepo()]) { hub, home in
            hub.setFaults { $0.missingOnResolve = ["tokenizer.json"] }
            let error = await hubError { _ = try await resolve(settings: hubSettings(hub: hub, home: home)) }
            guard case .fileNotFound(let repo, _, let path) = error else {
                Issue.record("expected fileNotFound, got \(String(describing: error))")
                return
            }
            #expect(repo == repoID && path == "tokenizer.json")
        }
    }

    @Test func aMissingRepoOrRevisionIsAClear404() async throws {
        try await withFakeHub([try fixtureRepo()]) { hub, home in
            let settings = hubSettings(hub: hub, home: home)
            let repo = await hubError { _ = try await resolve("test-org/absent", settings: settings) }
            #expect(repo == .repositoryNotFound(repo: "test-org/absent"))
            let revision = await hubError { _ = try await resolve(revision: "v9", settings: settings) }
            #expect(revision == .revisionNotFound(repo: repoID, revision: "v9"))
        }
    }

    @Test func aRepoWithoutSupportedWeightsListsWhatItHas() async throws {
        var repo = try fixtureRepo()
        repo.files["model.safetensors"] = nil
        repo.files["onnx/model.onnx"] = Data("onnx".utf8)
        try await withFakeHub([repo]) { hub, home in
            let error = await hubError { _ = try await resolve(settings: hubSettings(hub: hub, home: home)) }
            #expect(error == .noSupportedWeights(repo: repoID, revision: "main", files: repo.files.keys.sorted()))
            #expect(error.map(String.init(describing:))?.contains("onnx/model.onnx") == true)
            #expect(hub.downloadedFiles.isEmpty)
        }
    }

    @Test func aRedirectToAnotherHostDropsTheAuthorizationHeader() async throws {
        let repo = try fixtureRepo()
        let cdn = try FakeHub()
        defer { cdn.stop() }
        try await withFakeHub([repo]) { hub, home in
            hub.setFaults {
                $0.cdn = cdn
                $0.requiredToken = "hf_secret"
            }
            let snapshot = try await resolve(settings: hubSettings(hub: hub, home: home, token: "hf_secret"))
            #expect(try Data(contentsOf: snapshot.appendingPathComponent(Self.weights)) == repo.files[Self.weights])
            let cdnRequests = cdn.requests
            #expect(cdnRequests.count == 1)
            #expect(cdnRequests.allSatisfy { $0.header("Authorization") == nil })
            #expect(hub.requests.allSatisfy { $0.header("Authorization") == "Bearer hf_secret" })
            #expect(hub.downloads(of: Self.weights).isEmpty)
        }
    }

    @Test func noNetworkFailsAfterRetriesWithAClearError() async throws {
        let home = try TemporaryDirectory()
        defer { home.cleanUp() }
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        let settings = hubSettings(hub: nil, home: home.url, extra: ["HF_ENDPOINT": refusing.endpoint])
        let error = await hubError { _ = try await resolve(settings: settings) }
        guard case .network(_, let attempts, _) = error else {
            Issue.record("expected a network error, got \(String(describing: error))")
            return
        }
        #expect(attempts == fastRetries.attempts)
    }

    @Test func whenTheHubIsUnreachableACompleteCachedSnapshotIsUsed() async throws {
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        try await withFakeHub([try fixtureRepo()]) { hub, home in
            let downloaded = try await resolve(settings: hubSettings(hub: hub, home: home))
            let unreachable = hubSettings(hub: nil, home: home, extra: ["HF_ENDPOINT": refusing.endpoint])
            let logs = LogRecorder()
            #expect(try await resolve(settings: unreachable, logs: logs) == downloaded)
            #expect(logs.messages.contains { $0.contains("using the cached snapshot") })
        }
    }
}
