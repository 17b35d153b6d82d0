// Offline mode, local directories and repo id validation: none of these may touch the network.
import Foundation
import TestSupport
import Testing

@testable import Hub

@Suite(.serialized) struct ResolverOfflineTests {
    @Test func offlineWithACachedSnapshotMakesNoRequest() async throws {
        let repo = try fixtureRepo()
        try await withFakeHub([repo]) { hub, home in
            let online = try await resolve(settings: hubSettings(hub: hub, home: home))
            hub.clearRequests()
            let offline = hubSettings(hub: hub, home: home, offline: true)
            #expect(try await resolve(settings: offline) == online)
            #expect(try await resolve(revision: repo.commit, settings: offline) == online)
            #expect(hub.requests.isEmpty)
        }
    }

    @Test func offlineWithoutASnapshotSaysWhereItLooked() async throws {
        try await withFakeHub([try fixtureRepo()]) { hub, home in
            let settings = hubSettings(hub: hub, home: home, offline: true)
            let error = await hubError { _ = try await resolve(settings: settings) }
            guard case .offlineSnapshotMissing(let repo, let revision, let cache, _) = error else {
                Issue.record("expected offlineSnapshotMissing, got \(String(describing: error))")
                return
            }
            #expect(repo == repoID && revision == "main" && cache == settings.cacheDirectory.path)
            let text = String(describing: error!)
            #expect(text.contains("offline") && text.contains(repoID) && text.contains(settings.cacheDirectory.path))
            #expect(hub.requests.isEmpty)
        }
    }

    @Test func offlineRejectsASnapshotWithoutWeights() async throws {
        try await withFakeHub([try fixtureRepo()]) { hub, home in
            let snapshot = try await resolve(settings: hubSettings(hub: hub, home: home))
            try FileManager.default.removeItem(at: snapshot.appendingPathComponent("model.safetensors"))
            let error = await hubError {
                _ = try await resolve(settings: hubSettings(hub: hub, home: home, offline: true))
            }
            guard case .offlineSnapshotMissing(_, _, _, let detail) = error else {
                Issue.record("expected offlineSnapshotMissing, got \(String(describing: error))")
                return
            }
            #expect(detail.contains("no model.safetensors"))
        }
    }

    @Test func aLocalDirectoryIsReturnedAsItIsWithoutNetwork() async throws {
        let home = try TemporaryDirectory()
        defer { home.cleanUp() }
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        let settings = hubSettings(hub: nil, home: home.url, extra: ["HF_ENDPOINT": refusing.endpoint])
        let directory = try await resolve(fixtureModel.path, settings: settings)
        #expect(directory.path == fixtureModel.path)
    }

    @Test(arguments: ["./no-such-model", "/no/such/model", "../no-such-model", "~/no-such-model-dir"])
    func aPathThatIsNoDirectoryIsAnError(path: String) async throws {
        let home = try TemporaryDirectory()
        defer { home.cleanUp() }
        let error = await hubError { _ = try await resolve(path, settings: hubSettings(hub: nil, home: home.url)) }
        #expect(error == .noSuchModelDirectory(path: path))
        #expect(error.map(String.init(describing:))?.contains("no such model directory") == true)
    }

    @Test(arguments: [
        "org/../../etc", "a/b/c", "org--x/name", "org/na me", "org/.hidden", "org/name.git", "org/", "org//x",
        "naïve/model", "org/name-", "org/na$me", "",
    ])
    func badRepoIDsAreRejectedBeforeAnyRequest(id: String) async throws {
        try await withFakeHub([try fixtureRepo()]) { hub, home in
            let error = await hubError { _ = try await resolve(id, settings: hubSettings(hub: hub, home: home)) }
            switch error {
            case .invalidRepoID, .noSuchModelDirectory: break
            default: Issue.record("'\(id)' gave \(String(describing: error))")
            }
            #expect(hub.requests.isEmpty)
        }
    }

    @Test(arguments: ["../main", "refs/../x", "a b", "", "/main", "a//b"])
    func badRevisionsAreRejectedBeforeAnyRequest(revision: String) async throws {
        try await withFakeHub([try fixtureRepo()]) { hub, home in
            let error = await hubError {
                _ = try await resolve(revision: revision, settings: hubSettings(hub: hub, home: home))
            }
            guard case .invalidRevision = error else {
                Issue.record("'\(revision)' gave \(String(describing: error))")
                return
            }
            #expect(hub.requests.isEmpty)
        }
    }

    @Test func goodRepoIDsMapToTheirCacheFolders() throws {
        #expect(try RepoID("nicholasKluge/RewardModel").cacheFolderName == "models--nicholasKluge--RewardModel")
        #expect(try RepoID("bert-base-cased").cacheFolderName == "models--bert-base-cased")
        #expect(try RepoID("org_1/my.model-v2").cacheFolderName == "models--org_1--my.model-v2")
    }
}
