// One file of one commit into the cache: nothing to do when the snapshot has it, a link when
// its blob is there, else a download under the blob's lock, verified before it becomes the blob.
import Foundation
import Logging

struct SnapshotFetcher: Sendable {
    let api: HubAPI
    let cache: HubCache
    let commit: String
    let downloader: FileDownloader

    func ensure(_ path: String) async throws {
        if cache.hasFile(commit: commit, path: path) {
            api.logger.debug("\(path) is already in the cache")
            return
        }
        let metadata = try await api.fileMetadata(commit: commit, path: path)
        let blob = cache.blob(etag: metadata.etag)
        let lock = try await FileLock.acquire(at: cache.lockFile(etag: metadata.etag), logger: api.logger)
        defer { lock.release() }
        if !FileManager.default.fileExists(atPath: blob.path) {
            try createDirectory(cache.blobsDirectory)
            let incomplete = cache.incompleteBlob(etag: metadata.etag)
            if let size = metadata.size {
                try DiskSpace.ensureRoom(
                    for: size - FileDownloader.size(of: incomplete), file: path, in: cache.blobsDirectory)
            }
            try await downloader.download(
                from: metadata.downloadURL, to: incomplete, file: path, commit: commit, expectedSize: metadata.size)
            try verify(incomplete, file: path, metadata: metadata)
            do {
                try replaceItem(at: blob, with: incomplete)
            } catch {
                throw HubError.cache(path: blob.path, detail: "cannot move the finished download into place")
            }
            if HubNames.isSHA256(metadata.etag) {
                BlobVerifier.markVerified(blob: blob, sha256: metadata.etag, cache: cache, logger: api.logger)
            }
        } else {
            api.logger.debug("\(path): blob \(metadata.etag) already in the cache")
        }
        try cache.linkSnapshotFile(commit: commit, path: path, etag: metadata.etag)
    }

    /// An LFS file's ETag is its sha256: the bytes must hash to it. A git file's ETag is a sha1 of
    /// the git object, so only its size can be checked (when the Hub sent one).
    private func verify(_ incomplete: URL, file: String, metadata: FileMetadata) throws {
        if let expected = metadata.size {
            let actual = FileDownloader.size(of: incomplete)
            guard actual == expected else {
                try? FileManager.default.removeItem(at: incomplete)
                throw HubError.sizeMismatch(file: file, expected: expected, actual: actual)
            }
        }
        guard HubNames.isSHA256(metadata.etag) else { return }
        let actual = try SHA256.hexDigest(ofFileAt: incomplete)
        guard actual == metadata.etag else {
            try? FileManager.default.removeItem(at: incomplete)
            throw HubError.checksumMismatch(file: file, expected: metadata.etag, actual: actual)
        }
    }

    private func createDirectory(_ url: URL) throws {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw HubError.cache(path: url.path, detail: "cannot create: \(error.localizedDescription)")
        }
    }
}
