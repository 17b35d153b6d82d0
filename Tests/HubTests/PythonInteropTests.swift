// Both directions with Python's huggingface_hub 2.4.0: it finds what we downloaded without any
// network, and we find offline what it downloaded from the fake hub.
import Foundation
import TestSupport
import Testing

@testable import Hub

@Suite(.serialized) struct PythonInteropTests {
    @Test func huggingFaceHubFindsOurDownloadOffline() async throws {
        let python = try PythonRunner.withHuggingFaceHub()
        let repo = try fixtureRepo()
        try await withFakeHub([repo]) { hub, home in
            let settings = hubSettings(hub: hub, home: home)
            let snapshot = try await resolve(settings: settings)
            hub.clearRequests()
            let script = """
                import sys
                from huggingface_hub import hf_hub_download, snapshot_download
                print(hf_hub_download(sys.argv[1], "config.json"))
                print(hf_hub_download(sys.argv[1], "model.safetensors"))
                print(snapshot_download(sys.argv[1], local_files_only=True))
                """
            let result = try python.run(
                ["-c", script, repoID],
                environment: [
                    "HF_HUB_OFFLINE": "1", "HF_HOME": home.appendingPathComponent("hf").path, "HOME": home.path,
                ])
            #expect(result.status == 0, "\(result.stderr)")
            let lines = result.stdout.split(separator: "\n").map(String.init)
            #expect(
                lines == [
                    snapshot.appendingPathComponent("config.json").path,
                    snapshot.appendingPathComponent("model.safetensors").path, snapshot.path,
                ])
            #expect(hub.requests.isEmpty)
        }
    }

    @Test func weUseOfflineWhatHuggingFaceHubDownloaded() async throws {
        let python = try PythonRunner.withHuggingFaceHub()
        let repo = try fixtureRepo()
        let cdn = try FakeHub()
        defer { cdn.stop() }
        try await withFakeHub([repo]) { hub, home in
            hub.setFaults { $0.cdn = cdn }  // LFS files come from another host, as on the real Hub
            let hfHome = home.appendingPathComponent("hf")
            let script = """
                import sys
                from huggingface_hub import hf_hub_download, snapshot_download
                print(hf_hub_download(sys.argv[1], "config.json"))
                print(snapshot_download(sys.argv[1]))
                """
            let result = try python.run(
                ["-c", script, repoID],
                environment: [
                    "HF_ENDPOINT": hub.url, "HF_HOME": hfHome.path, "HOME": home.path, "HF_HUB_DISABLE_XET": "1",
                ])
            #expect(result.status == 0, "\(result.stderr)")
            let pythonSnapshot = try #require(result.stdout.split(separator: "\n").last.map(String.init))

            hub.clearRequests()
            let ours = try await resolve(settings: hubSettings(hub: hub, home: home, offline: true))
            #expect(ours.path == pythonSnapshot)
            #expect(hub.requests.isEmpty)
            #expect(cdn.requests.count == 1)  // Python fetched model.safetensors from the CDN
            for (name, data) in repo.files {
                #expect(try Data(contentsOf: ours.appendingPathComponent(name)) == data, "\(name)")
            }
        }
    }
}
