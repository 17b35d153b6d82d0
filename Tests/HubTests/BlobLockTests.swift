// The blob lock: while another process holds `.locks/models--org--name/{etag}.lock` (as Python's
// filelock does with flock), we do not write that blob; once it is released we finish.
import Foundation
import Glibc
import Testing

@testable import Hub

@Suite(.serialized) struct BlobLockTests {
    @Test func aHeldBlobLockKeepsUsFromWritingThatBlob() async throws {
        let repo = try fixtureRepo()
        let sha = SHA256.hexDigest(of: repo.files["model.safetensors"]!)
        try await withFakeHub([repo]) { hub, home in
            let settings = hubSettings(hub: hub, home: home)
            let lockFile = settings.cacheDirectory.appendingPathComponent(
                ".locks/models--test-org--tiny-reward/\(sha).lock")
            try FileManager.default.createDirectory(
                at: lockFile.deletingLastPathComponent(), withIntermediateDirectories: true)
            let descriptor = open(lockFile.path, O_RDWR | O_CREAT, 0o644)
            try #require(descriptor >= 0 && flock(descriptor, LOCK_EX) == 0)

            let download = Task { try await resolve(settings: settings) }
            // Wait until the resolver has asked for the weights' metadata: it is now at the lock.
            var polls = 0
            while !hub.requests.contains(where: { $0.method == "HEAD" && $0.path.hasSuffix("/model.safetensors") }) {
                polls += 1
                try #require(polls < 2000, "the resolver never asked for model.safetensors")
                try await Task.sleep(for: .milliseconds(10))
            }
            try await Task.sleep(for: .milliseconds(300))
            #expect(hub.downloads(of: "model.safetensors").isEmpty)
            #expect(!settings.layout().blobNames.contains { $0.hasPrefix(sha) })

            flock(descriptor, LOCK_UN)
            close(descriptor)
            let snapshot = try await download.value
            #expect(
                try Data(contentsOf: snapshot.appendingPathComponent("model.safetensors"))
                    == repo.files["model.safetensors"])
        }
    }
}
