// Downloading from the fake hub: the snapshot matches the fixture byte for byte, the cache is laid
// out as huggingface_hub lays it out, and only the files the service needs are fetched.
import Foundation
import TestSupport
import Testing

@testable import Hub

@Suite(.serialized) struct ResolverDownloadTests {
    static let neededFiles: Set<String> = [
        "config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt",
        "model.safetensors",
    ]

    @Test func downloadFillsTheCacheLayoutOfHuggingFaceHub() async throws {
        let repo = try fixtureRepo()
        try await withFakeHub([repo]) { hub, home in
            let settings = hubSettings(hub: hub, home: home)
            let logs = LogRecorder()
            let snapshot = try await resolve(settings: settings, logs: logs)
            let layout = settings.layout()

            #expect(settings.cacheDirectory.path == home.appendingPathComponent("hf/hub").path)
            #expect(snapshot.path == layout.snapshot(repo.commit).path)
            for (name, data) in repo.files {
                let entry = snapshot.appendingPathComponent(name)
                #expect(try Data(contentsOf: entry) == data, "\(name) differs from the fixture")
                let etag = FakeRepo.etag(name, data)
                let link = try FileManager.default.destinationOfSymbolicLink(atPath: entry.path)
                #expect(link == "../../blobs/\(etag)", "\(name) links to \(link)")
                #expect(try Data(contentsOf: layout.blob(etag)) == data)
            }
            #expect(try String(contentsOf: layout.ref("main"), encoding: .utf8) == repo.commit)
            #expect(!layout.blobNames.contains { $0.hasSuffix(".incomplete") })
            let sha = SHA256.hexDigest(of: repo.files["model.safetensors"]!)
            let lock = settings.cacheDirectory.appendingPathComponent(
                ".locks/models--test-org--tiny-reward/\(sha).lock")
            #expect(FileManager.default.fileExists(atPath: lock.path))
            #expect(hub.downloadedFiles == Self.neededFiles)
            #expect(logs.messages.contains { $0.hasPrefix("downloading model.safetensors (527.1 kB)") })
            #expect(logs.messages.contains { $0.hasPrefix("downloaded model.safetensors (527.1 kB") })
        }
    }

    @Test func safetensorsIsPreferredAndNothingElseIsFetched() async throws {
        var repo = try fixtureRepo()
        repo.files["pytorch_model.bin"] = try Data(
            contentsOf: fixtureBinModel.appendingPathComponent("pytorch_model.bin"))
        for extra in [
            "README.md", ".gitattributes", "onnx/model.onnx", "tf_model.h5", "flax_model.msgpack", "merges.txt",
        ] {
            repo.files[extra] = Data("not needed: \(extra)".utf8)
        }
        try await withFakeHub([repo]) { hub, home in
            let snapshot = try await resolve(settings: hubSettings(hub: hub, home: home))
            #expect(hub.downloadedFiles == Self.neededFiles)
            let resolveCalls = hub.requests.filter { $0.path.contains("/resolve/") }
            #expect(!resolveCalls.contains { $0.path.hasSuffix("pytorch_model.bin") || $0.path.contains("README") })
            #expect(!FileManager.default.fileExists(atPath: snapshot.appendingPathComponent("pytorch_model.bin").path))
        }
    }

    @Test func pytorchBinIsFetchedWhenTheRepoHasNoSafetensors() async throws {
        let repo = try fixtureRepo(fixtureBinModel)
        try await withFakeHub([repo]) { hub, home in
            let snapshot = try await resolve(settings: hubSettings(hub: hub, home: home))
            let weights = snapshot.appendingPathComponent("pytorch_model.bin")
            #expect(try Data(contentsOf: weights) == repo.files["pytorch_model.bin"])
            #expect(hub.downloadedFiles.contains("pytorch_model.bin"))
            #expect(!hub.downloadedFiles.contains("model.safetensors"))
        }
    }

    @Test func shardedSafetensorsFetchTheIndexAndEveryShardItNames() async throws {
        var repo = try fixtureRepo()
        let weights = repo.files.removeValue(forKey: "model.safetensors")!
        let half = weights.count / 2
        let shards = ["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"]
        repo.files[shards[0]] = weights.prefix(half)
        repo.files[shards[1]] = weights.suffix(from: half)
        repo.files["model.safetensors.index.json"] = Data(
            #"{"metadata":{"total_size":1},"weight_map":{"a":"\#(shards[0])","b":"\#(shards[1])","c":"\#(shards[0])"}}"#
                .utf8)
        repo.files["pytorch_model.bin"] = Data("unused".utf8)
        try await withFakeHub([repo]) { hub, home in
            let snapshot = try await resolve(settings: hubSettings(hub: hub, home: home))
            for shard in shards {
                #expect(try Data(contentsOf: snapshot.appendingPathComponent(shard)) == repo.files[shard])
            }
            #expect(hub.downloadedFiles.isSuperset(of: Set(shards + ["model.safetensors.index.json"])))
            #expect(!hub.downloadedFiles.contains("pytorch_model.bin"))
        }
    }

    @Test func shardsInASubdirectoryGetDeeperRelativeLinks() async throws {
        var repo = try fixtureRepo()
        let weights = repo.files.removeValue(forKey: "model.safetensors")!
        repo.files["weights/part-1.safetensors"] = weights
        repo.files["model.safetensors.index.json"] = Data(#"{"weight_map":{"a":"weights/part-1.safetensors"}}"#.utf8)
        try await withFakeHub([repo]) { hub, home in
            let snapshot = try await resolve(settings: hubSettings(hub: hub, home: home))
            let shard = snapshot.appendingPathComponent("weights/part-1.safetensors")
            let link = try FileManager.default.destinationOfSymbolicLink(atPath: shard.path)
            #expect(link == "../../../blobs/\(SHA256.hexDigest(of: weights))")
            #expect(try Data(contentsOf: shard) == weights)
        }
    }

    @Test func aSecondResolveOnlyAsksForTheCommit() async throws {
        try await withFakeHub([try fixtureRepo()]) { hub, home in
            let settings = hubSettings(hub: hub, home: home)
            let first = try await resolve(settings: settings)
            hub.clearRequests()
            let second = try await resolve(settings: settings)
            #expect(first == second)
            #expect(hub.requests.map(\.method) == ["GET"])
            #expect(hub.requests.first?.path == "/api/models/\(repoID)/revision/main")
        }
    }

    @Test func aNewCommitReusesBlobsAlreadyInTheCache() async throws {
        let repo = try fixtureRepo()
        try await withFakeHub([repo]) { hub, home in
            let settings = hubSettings(hub: hub, home: home)
            _ = try await resolve(settings: settings)
            let newCommit = FakeRepo.commit(2)
            hub.update(repo: repoID) { $0.commit = newCommit }
            hub.clearRequests()
            let snapshot = try await resolve(settings: settings)
            #expect(snapshot.lastPathComponent == newCommit)
            #expect(hub.downloadedFiles.isEmpty)
            #expect(hub.requests.filter { $0.method == "HEAD" }.count == Self.neededFiles.count)
            #expect(try String(contentsOf: settings.layout().ref("main"), encoding: .utf8) == newCommit)
            #expect(try Data(contentsOf: snapshot.appendingPathComponent("config.json")) == repo.files["config.json"])
        }
    }

    @Test func aCommitRevisionWritesNoRef() async throws {
        let repo = try fixtureRepo()
        try await withFakeHub([repo]) { hub, home in
            let settings = hubSettings(hub: hub, home: home)
            let snapshot = try await resolve(revision: repo.commit, settings: settings)
            #expect(snapshot.lastPathComponent == repo.commit)
            #expect(
                !FileManager.default.fileExists(
                    atPath: settings.layout().repoFolder.appendingPathComponent("refs").path))
        }
    }
}
