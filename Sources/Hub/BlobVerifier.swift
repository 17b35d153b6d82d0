// Catches a cached LFS file damaged after its download (truncated, bytes changed) before the model
// loads from it. Hashing every blob at every start costs ~1.5 s per 90 MB here (this module's SHA-256
// runs at ~60 MB/s), so a blob is hashed once, when it is downloaded or first found without a
// record, and a record of its size, inode and change time is kept in
// `models--org--name/.verified/{sha256}`. A later start re-hashes only when the file no longer
// matches its record: any write, truncation or replacement changes its ctime, which no user can
// set back. Git files (config, tokenizer) carry no sha256 to check; their parsers report damage.
import Foundation
import Logging

#if canImport(Glibc)
    import Glibc
#endif

enum BlobVerifier {
    /// Checks every LFS file of `snapshot` (a link into `blobs/` named by sha256), on a thread of its
    /// own: hashing takes seconds, and the caller's concurrency pool may be one thread wide.
    static func verify(snapshot: URL, cache: HubCache, logger: Logger) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            Thread {
                continuation.resume(
                    with: Result {
                        for (file, blob, sha) in lfsEntries(of: snapshot) {
                            try verify(blob: blob, sha256: sha, file: file, cache: cache, logger: logger)
                        }
                    })
            }.start()
        }
    }

    /// Hashes `blob` unless its record says it is unchanged since it was last verified.
    static func verify(blob: URL, sha256: String, file: String, cache: HubCache, logger: Logger) throws {
        guard let identity = FileIdentity(blob) else { return }  // a dangling link: the loader names it
        if record(of: sha256, cache: cache) == identity.text { return }
        let begin = ContinuousClock.now
        let actual = try SHA256.hexDigest(ofFileAt: blob)
        guard actual == sha256 else {
            throw HubError.corruptBlob(file: file, blob: blob.path, expected: sha256, actual: actual)
        }
        logger.info(
            "verified the sha256 of \(file)",
            metadata: ["bytes": "\(identity.size)", "took": "\(ContinuousClock.now - begin)"])
        remember(identity, sha256: sha256, cache: cache, logger: logger)
    }

    /// Records a blob whose content was just checked (a finished download).
    static func markVerified(blob: URL, sha256: String, cache: HubCache, logger: Logger) {
        guard let identity = FileIdentity(blob) else { return }
        remember(identity, sha256: sha256, cache: cache, logger: logger)
    }

    static func recordFile(_ sha256: String, cache: HubCache) -> URL {
        cache.repoDirectory.appendingPathComponent(".verified", isDirectory: true).appendingPathComponent(sha256)
    }

    private static func record(of sha256: String, cache: HubCache) -> String? {
        try? String(contentsOf: recordFile(sha256, cache: cache), encoding: .utf8)
    }

    /// Best effort: on a read-only cache the blob is simply hashed again at the next start.
    private static func remember(_ identity: FileIdentity, sha256: String, cache: HubCache, logger: Logger) {
        let file = recordFile(sha256, cache: cache)
        do {
            try FileManager.default.createDirectory(
                at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(identity.text.utf8).write(to: file, options: .atomic)
        } catch {
            logger.debug("cannot record the verified blob", metadata: ["path": "\(file.path)"])
        }
    }

    /// (path in the snapshot, blob it links to, sha256) for every link whose blob is named by a sha256.
    private static func lfsEntries(of snapshot: URL) -> [(String, URL, String)] {
        guard let walker = FileManager.default.enumerator(atPath: snapshot.path) else { return [] }
        var entries: [(String, URL, String)] = []
        while let relative = walker.nextObject() as? String {
            let entry = snapshot.appendingPathComponent(relative)
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: entry.path) else { continue }
            let name = URL(fileURLWithPath: target).lastPathComponent
            guard HubNames.isSHA256(name) else { continue }
            entries.append((relative, entry.resolvingSymlinksInPath(), name))
        }
        return entries.sorted { $0.0 < $1.0 }
    }
}

/// What changes whenever a file's content does: size, inode, and ctime (set by the kernel on every
/// write, truncation or rename; `touch` cannot set it back).
private struct FileIdentity {
    let size: Int64
    let text: String

    init?(_ url: URL) {
        var info = stat()
        guard stat(url.path, &info) == 0 else { return nil }
        size = Int64(info.st_size)
        let ctime = "\(info.st_ctim.tv_sec).\(info.st_ctim.tv_nsec)"
        let mtime = "\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
        text = "size \(info.st_size) inode \(info.st_ino) ctime \(ctime) mtime \(mtime)\n"
    }
}
