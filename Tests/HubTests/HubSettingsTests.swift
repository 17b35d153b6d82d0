// Environment resolution, checked against the rules of huggingface_hub's constants.py.
import Foundation
import Testing

@testable import Hub

@Suite struct HubSettingsTests {
    @Test func defaultsFollowHomeAndHuggingFaceDefaults() {
        let settings = HubSettings(environment: ["HOME": "/home/user"])
        #expect(settings.endpoint.absoluteString == "https://huggingface.co")
        #expect(settings.token == nil)
        #expect(settings.offline == false)
        #expect(settings.cacheDirectory.path == "/home/user/.cache/huggingface/hub")
    }

    @Test func cacheDirectoryPrecedence() {
        let base = ["HOME": "/home/user"]
        func cache(_ extra: [String: String]) -> String {
            HubSettings(environment: base.merging(extra) { $1 }).cacheDirectory.path
        }
        #expect(cache(["XDG_CACHE_HOME": "/xdg"]) == "/xdg/huggingface/hub")
        #expect(cache(["XDG_CACHE_HOME": "/xdg", "HF_HOME": "/hf"]) == "/hf/hub")
        #expect(cache(["HF_HOME": "/hf", "HUGGINGFACE_HUB_CACHE": "/legacy"]) == "/legacy")
        #expect(cache(["HF_HOME": "/hf", "HUGGINGFACE_HUB_CACHE": "/legacy", "HF_HUB_CACHE": "/new"]) == "/new")
        #expect(cache(["HF_HOME": "~/models"]) == "/home/user/models/hub")
        #expect(cache(["HF_HOME": "$DATA/hf", "DATA": "/data"]) == "/data/hf/hub")
        #expect(cache(["HF_HUB_CACHE": "${DATA}/cache", "DATA": "/data"]) == "/data/cache")
        #expect(cache(["HF_HOME": ""]) == "/home/user/.cache/huggingface/hub")
    }

    @Test(arguments: [
        ("1", true), ("true", true), ("YES", true), ("on", true), ("0", false), ("false", false), ("", false),
        ("maybe", false),
    ])
    func offlineValues(value: String, expected: Bool) {
        #expect(HubSettings(environment: ["HOME": "/h", "HF_HUB_OFFLINE": value]).offline == expected)
    }

    @Test func transformersOfflineCountsOnlyWhenHFHubOfflineIsUnset() {
        #expect(HubSettings(environment: ["HOME": "/h", "TRANSFORMERS_OFFLINE": "1"]).offline)
        #expect(!HubSettings(environment: ["HOME": "/h", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_OFFLINE": "0"]).offline)
    }

    @Test func tokenPrecedenceAndTheLoginFile() throws {
        let home = try TemporaryDirectory()
        defer { home.cleanUp() }
        let hfHome = home.url.appendingPathComponent("hf")
        try FileManager.default.createDirectory(at: hfHome, withIntermediateDirectories: true)
        try Data("  hf_from_file\n".utf8).write(to: hfHome.appendingPathComponent("token"))
        let base = ["HOME": home.url.path, "HF_HOME": hfHome.path]
        func token(_ extra: [String: String]) -> String? {
            HubSettings(environment: base.merging(extra) { $1 }).token
        }
        #expect(token([:]) == "hf_from_file")
        #expect(token(["HUGGING_FACE_HUB_TOKEN": "hf_legacy"]) == "hf_legacy")
        #expect(token(["HUGGING_FACE_HUB_TOKEN": "hf_legacy", "HF_TOKEN": "hf_new\n"]) == "hf_new")
        #expect(token(["HF_TOKEN_PATH": home.url.appendingPathComponent("absent").path]) == nil)
    }

    @Test func endpointLosesItsTrailingSlashAndAnInvalidOneIsReported() async throws {
        let settings = HubSettings(environment: ["HOME": "/h", "HF_ENDPOINT": "http://mirror.local:8080/"])
        #expect(settings.endpoint.absoluteString == "http://mirror.local:8080")
        #expect(settings.endpointProblem == nil)

        let home = try TemporaryDirectory()
        defer { home.cleanUp() }
        let invalid = HubSettings(environment: ["HOME": home.url.path, "HF_ENDPOINT": "ftp://mirror"])
        let error = await hubError { _ = try await resolve(settings: invalid) }
        #expect(error == .invalidEndpoint("ftp://mirror"))
        var overridden = invalid
        overridden.endpoint = URL(string: "http://127.0.0.1:1")!
        #expect(overridden.endpointProblem == nil)
    }

    @Test func descriptionRedactsTheToken() {
        let settings = HubSettings(environment: ["HOME": "/h", "HF_TOKEN": "hf_very_secret"])
        #expect(!settings.description.contains("hf_very_secret"))
        #expect(settings.description.contains("redacted"))
    }
}
