// `reward-server download` as a user runs it: the built binary, the environment, stdout.
import Foundation
import Testing

@testable import Hub

@Suite(.serialized) struct DownloadCommandTests {
    /// The executable `swift test` builds next to the test bundle.
    static var binary: URL {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("reward-server")
    }

    @Test func printsOnlyTheSnapshotDirectoryOnStdout() async throws {
        let repo = try fixtureRepo()
        try #require(
            FileManager.default.isExecutableFile(atPath: Self.binary.path),
            "build the reward-server product first (swift build --product reward-server)")
        try await withFakeHub([repo]) { hub, home in
            let environment = [
                "HOME": home.path, "HF_HOME": home.appendingPathComponent("hf").path, "HF_ENDPOINT": hub.url,
            ]
            let result = try runProcess(
                Self.binary.path, ["download", "--model", repoID, "--revision", "main"], environment: environment)
            #expect(result.status == 0, "\(result.stderr)")
            let expected = hubSettings(hub: hub, home: home).layout().snapshot(repo.commit).path
            #expect(result.stdout == expected + "\n")
            #expect(result.stderr.contains("downloaded model.safetensors"))

            let offline = try runProcess(
                Self.binary.path, ["download", "--model", repoID],
                environment: environment.merging(["HF_HUB_OFFLINE": "1"]) { $1 })
            #expect(offline.stdout == expected + "\n")
        }
    }

    @Test func errorsGoToStderrWithAFailingStatus() throws {
        let home = try TemporaryDirectory()
        defer { home.cleanUp() }
        let result = try runProcess(
            Self.binary.path, ["download", "--model", "org/../x"], environment: ["HOME": home.url.path])
        #expect(result.status != 0)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("invalid Hub repo id"))
    }

    /// `score --model org/name` resolves through the Hub like `serve` (they share ModelOptions):
    /// online it downloads, offline it reads the cache, and both give the local directory's score.
    /// Download logs stay on stderr so stdout is exactly the JSON line.
    @Test func scoreAcceptsARepoIdOnlineAndOffline() async throws {
        let repo = try fixtureRepo()
        try await withFakeHub([repo]) { hub, home in
            let environment = [
                "HOME": home.path, "HF_HOME": home.appendingPathComponent("hf").path, "HF_ENDPOINT": hub.url,
            ]
            let pair = ["score", "--prompt", "Is the sky blue?", "--response", "Yes, on a clear day.", "--alpha", "3"]
            let local = try runProcess(
                Self.binary.path, pair + ["--model", fixtureModel.path], environment: ["HOME": home.path])
            #expect(local.status == 0, "\(local.stderr)")
            #expect(local.stdout.hasPrefix(#"{"score":"#))
            let online = try runProcess(Self.binary.path, pair + ["--model", repoID], environment: environment)
            #expect(online.status == 0, "\(online.stderr)")
            #expect(online.stdout == local.stdout)
            #expect(online.stderr.contains("downloaded model.safetensors"))
            hub.clearRequests()
            let offline = try runProcess(
                Self.binary.path, pair,
                environment: environment.merging(["HF_HUB_OFFLINE": "1", "REWARD_SERVER_MODEL": repoID]) { $1 })
            #expect(offline.status == 0, "\(offline.stderr)")
            #expect(offline.stdout == local.stdout)
            #expect(hub.requests.isEmpty)
        }
    }
}
