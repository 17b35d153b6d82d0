// The cache's disk under faults: full before or during a download, read-only, and a blob damaged
// after its download. Disk faults use a small tmpfs mounted for the test (root only; the tests are
// skipped, saying so, where mounting is not allowed).
import Foundation
import Glibc
import TestSupport
import Testing

@testable import Hub

/// A tmpfs of `bytes` mounted on a fresh directory, unmounted by `unmount`.
struct Tmpfs {
    let url: URL

    init(bytes: Int) throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("hub-tmpfs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        guard mount("tmpfs", url.path, "tmpfs", 0, "size=\(bytes)") == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: url)
            throw FakeHubError("cannot mount a tmpfs: \(reason)")
        }
    }

    /// Makes the file system read-only (as a cache volume mounted `readOnly`).
    func remountReadOnly() throws {
        guard mount("tmpfs", url.path, "tmpfs", UInt(MS_REMOUNT | MS_RDONLY), nil) == 0 else {
            throw FakeHubError("cannot remount read-only: \(String(cString: strerror(errno)))")
        }
    }

    func unmount() {
        umount2(url.path, Int32(MNT_DETACH))
        try? FileManager.default.removeItem(at: url)
    }

    /// Whether this process may mount one (root, and not forbidden by a container's policy).
    static let available: Bool = {
        guard let probe = try? Tmpfs(bytes: 1 << 20) else { return false }
        probe.unmount()
        return true
    }()
}

/// Runs `body` with a fake hub and a home directory on a tmpfs of `bytes`.
func withFakeHubOnTmpfs<T>(_ repos: [FakeRepo], bytes: Int, _ body: (FakeHub, Tmpfs) async throws -> T) async throws
    -> T
{
    let hub = try FakeHub(repos)
    let disk = try Tmpfs(bytes: bytes)
    defer {
        hub.stop()
        disk.unmount()
    }
    return try await body(hub, disk)
}

@Suite(.serialized) struct CacheFaultTests {
    static let weights = "model.safetensors"

    @Test(.enabled(if: Tmpfs.available, "needs root to mount a tmpfs"))
    func aDiskTooSmallForTheWeightsFailsBeforeDownloadingNamingPathAndSize() async throws {
        let repo = try fixtureRepo()
        let size = try #require(repo.files[Self.weights]).count
        try await withFakeHubOnTmpfs([repo], bytes: size / 2) { hub, disk in
            let settings = hubSettings(hub: hub, home: disk.url)
            let error = await hubError { _ = try await resolve(settings: settings) }
            let blobs = settings.layout().repoFolder.appendingPathComponent("blobs").path
            guard case .diskFull(let file, let path, let needed, let available) = error else {
                Issue.record("expected diskFull, got \(String(describing: error))")
                return
            }
            #expect(file == Self.weights && path == blobs && needed == Int64(size) && available < needed)
            let message = String(describing: error!)
            #expect(message.contains(blobs) && message.contains("\(size) more bytes"))
            #expect(hub.downloads(of: Self.weights).isEmpty)
            try expectNothingTrusted(settings, repo: repo)
        }
    }

    /// The disk fills while the weights are being written: a clear error with the partial file's path
    /// and what it still needs; nothing a later start would trust; once there is room, it resumes.
    @Test(.enabled(if: Tmpfs.available, "needs root to mount a tmpfs"))
    func aDiskFillingMidDownloadFailsClearlyAndResumesOnceThereIsRoom() async throws {
        let repo = try fixtureRepo()
        let data = try #require(repo.files[Self.weights])
        let sha = SHA256.hexDigest(of: data)
        let heldAt = 100_000
        try await withFakeHubOnTmpfs([repo], bytes: data.count + (1 << 20)) { hub, disk in
            hub.setFaults { $0.stallAfter[Self.weights] = heldAt }
            defer { hub.setFaults { $0.stallAfter = [:] } }
            let settings = hubSettings(hub: hub, home: disk.url)
            let incomplete = settings.layout().repoFolder.appendingPathComponent("blobs/\(sha).incomplete")
            let download = Task { try await resolve(settings: settings) }
            #expect(await eventually { FileDownloader.size(of: incomplete) == Int64(heldAt) })
            let filler = disk.url.appendingPathComponent("filler")
            fillDisk(with: filler)
            hub.setFaults { $0.stallAfter = [:] }
            let error = await hubError { _ = try await download.value }
            guard case .diskFull(let file, let path, let needed, _) = error else {
                Issue.record("expected diskFull, got \(String(describing: error))")
                return
            }
            #expect(file == Self.weights && path == incomplete.path)
            #expect(needed > 0 && needed <= Int64(data.count - heldAt))
            #expect(String(describing: error!).contains(incomplete.path))
            try expectNothingTrusted(settings, repo: repo)

            try FileManager.default.removeItem(at: filler)
            let snapshot = try await resolve(settings: settings)
            #expect(try Data(contentsOf: snapshot.appendingPathComponent(Self.weights)) == data)
            #expect(hub.downloads(of: Self.weights).last?.header("Range")?.hasPrefix("bytes=") == true)
        }
    }

    /// A read-only cache holding the model serves it; one that lacks a file fails naming the path.
    @Test(.enabled(if: Tmpfs.available, "needs root to mount a tmpfs"))
    func aReadOnlyCacheServesWhatItHasAndFailsClearlyForTheRest() async throws {
        let repo = try fixtureRepo()
        try await withFakeHubOnTmpfs([repo], bytes: 8 << 20) { hub, disk in
            let settings = hubSettings(hub: hub, home: disk.url)
            let snapshot = try await resolve(settings: settings)
            try disk.remountReadOnly()
            #expect(try await resolve(settings: settings) == snapshot)
            #expect(try await resolve(settings: hubSettings(hub: nil, home: disk.url, offline: true)) == snapshot)

            hub.update(repo: repoID) {
                $0.commit = FakeRepo.commit(2)
                $0.files["config.json"] = Data(#"{"changed": true}"#.utf8)
            }
            let error = await hubError { _ = try await resolve(settings: settings) }
            guard case .cache(let path, let detail) = error else {
                Issue.record("expected a cache error, got \(String(describing: error))")
                return
            }
            #expect(path.hasPrefix(settings.cacheDirectory.path))
            #expect(detail.contains("Read-only file system"), "\(detail)")
        }
    }

    /// A blob truncated or changed after its download is caught before loading, with the fix in the
    /// message; following it (delete the blob) downloads it anew.
    @Test(arguments: [BlobDamage.truncated, .bytesChanged])
    func aBlobDamagedAfterDownloadIsDetectedWithTheFix(_ damage: BlobDamage) async throws {
        let repo = try fixtureRepo()
        let data = try #require(repo.files[Self.weights])
        let sha = SHA256.hexDigest(of: data)
        try await withFakeHub([repo]) { hub, home in
            let settings = hubSettings(hub: hub, home: home)
            let logs = LogRecorder()
            _ = try await resolve(settings: settings, logs: logs)
            // The download itself was hashed: no second hash of an untouched blob.
            #expect(!logs.messages.contains { $0.contains("verified the sha256") })
            let blob = settings.layout().blob(sha)
            try damage.apply(to: blob)

            for attempt in [settings, hubSettings(hub: nil, home: home, offline: true)] {
                let error = await hubError { _ = try await resolve(settings: attempt) }
                guard case .corruptBlob(let file, let path, let expected, let actual) = error else {
                    Issue.record("expected corruptBlob, got \(String(describing: error))")
                    return
                }
                #expect(file == Self.weights && path == blob.path && expected == sha && actual != sha)
                #expect(String(describing: error!).contains("delete \(blob.path)"))
            }

            try FileManager.default.removeItem(at: blob)
            let snapshot = try await resolve(settings: settings)
            #expect(try Data(contentsOf: snapshot.appendingPathComponent(Self.weights)) == data)
        }
    }

    /// A blob without a record (fetched by another tool, or a record lost) is hashed once, then trusted.
    @Test func aBlobWithoutARecordIsHashedOnceThenTrusted() async throws {
        let repo = try fixtureRepo()
        let sha = SHA256.hexDigest(of: try #require(repo.files[Self.weights]))
        try await withFakeHub([repo]) { hub, home in
            let settings = hubSettings(hub: hub, home: home)
            _ = try await resolve(settings: settings)
            let cache = HubCache(root: settings.cacheDirectory, repo: try RepoID(repoID))
            try FileManager.default.removeItem(at: BlobVerifier.recordFile(sha, cache: cache))
            let first = LogRecorder()
            _ = try await resolve(settings: settings, logs: first)
            #expect(first.messages.filter { $0.contains("verified the sha256 of \(Self.weights)") }.count == 1)
            let second = LogRecorder()
            _ = try await resolve(settings: settings, logs: second)
            #expect(!second.messages.contains { $0.contains("verified the sha256") })
        }
    }
}

enum BlobDamage: CustomStringConvertible, Sendable {
    case truncated, bytesChanged

    var description: String { self == .truncated ? "truncated" : "bytes changed" }

    func apply(to blob: URL) throws {
        let handle = try FileHandle(forUpdating: blob)
        defer { try? handle.close() }
        switch self {
        case .truncated:
            try handle.truncate(atOffset: try handle.seekToEnd() / 2)
        case .bytesChanged:
            // File times tick with the kernel's clock (a few ms): let one pass, so the change shows
            // in the ctime even on a coarse clock.
            usleep(20_000)
            try handle.seek(toOffset: 1000)
            try handle.write(contentsOf: Data(repeating: 0x5A, count: 16))
        }
    }
}

/// Fills the file system holding `file` until a write fails.
private func fillDisk(with file: URL) {
    let descriptor = open(file.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    defer { close(descriptor) }
    let block = [UInt8](repeating: 0, count: 64 * 1024)
    while block.withUnsafeBytes({ write(descriptor, $0.baseAddress, $0.count) }) > 0 {}
    // The last partial block: fill byte by byte what a whole block could not.
    var byte: UInt8 = 0
    while write(descriptor, &byte, 1) == 1 {}
}

/// No blob, snapshot link or ref for the weights that a later start could take as complete.
private func expectNothingTrusted(_ settings: HubSettings, repo: FakeRepo) throws {
    let layout = settings.layout()
    let sha = SHA256.hexDigest(of: try #require(repo.files["model.safetensors"]))
    #expect(!layout.blobNames.contains(sha))
    let link = layout.snapshot(repo.commit).appendingPathComponent("model.safetensors").path
    #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: link)) == nil)
    #expect(!FileManager.default.fileExists(atPath: layout.ref("main").path))
}
