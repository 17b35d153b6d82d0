// The Hugging Face cache layout, exactly as huggingface_hub writes it, so either tool reuses
// what the other fetched:
//   {cache}/models--org--name/blobs/{etag}                  file contents, named by ETag
//   {cache}/models--org--name/snapshots/{commit}/{path}     relative symlink to ../../blobs/{etag}
//   {cache}/models--org--name/refs/{revision}               the commit a branch or tag pointed at
//   {cache}/.locks/models--org--name/{etag}.lock            one writer per blob
import Foundation

struct HubCache: Sendable {
    let root: URL
    let repo: RepoID

    init(root: URL, repo: RepoID) {
        self.root = root
        self.repo = repo
    }

    var repoDirectory: URL { root.appendingPathComponent(repo.cacheFolderName, isDirectory: true) }
    var blobsDirectory: URL { repoDirectory.appendingPathComponent("blobs", isDirectory: true) }

    func blob(etag: String) -> URL { blobsDirectory.appendingPathComponent(etag) }

    /// Where a download in progress accumulates; it becomes the blob only once verified.
    func incompleteBlob(etag: String) -> URL { blobsDirectory.appendingPathComponent(etag + ".incomplete") }

    func lockFile(etag: String) -> URL {
        root.appendingPathComponent(".locks", isDirectory: true)
            .appendingPathComponent(repo.cacheFolderName, isDirectory: true)
            .appendingPathComponent(etag + ".lock")
    }

    func snapshot(commit: String) -> URL {
        repoDirectory.appendingPathComponent("snapshots", isDirectory: true)
            .appendingPathComponent(commit, isDirectory: true)
    }

    func pointer(commit: String, path: String) -> URL {
        snapshot(commit: commit).appendingPathComponent(path)
    }

    func ref(_ revision: String) -> URL {
        repoDirectory.appendingPathComponent("refs", isDirectory: true).appendingPathComponent(revision)
    }

    /// True when the snapshot entry exists and leads to a file (a dangling link does not count).
    func hasFile(commit: String, path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(
            atPath: pointer(commit: commit, path: path).path, isDirectory: &isDirectory)
            && !isDirectory.boolValue
    }

    /// The commit `refs/<revision>` names, or nil when there is none (or it is not a commit hash).
    func readRef(_ revision: String) -> String? {
        guard let text = try? String(contentsOf: ref(revision), encoding: .utf8) else { return nil }
        let commit = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return HubNames.isCommitHash(commit) ? commit : nil
    }

    /// Records that `revision` is at `commit`. Nothing is written when the revision is the commit
    /// itself, or when the ref already says so (the cache may be mounted read-only).
    func writeRef(_ revision: String, commit: String) throws(HubError) {
        guard revision != commit, readRef(revision) != commit else { return }
        let destination = ref(revision)
        let temporary = destination.deletingLastPathComponent()
            .appendingPathComponent(".\(destination.lastPathComponent).\(UUID().uuidString.prefix(8)).tmp")
        do {
            try FileManager.default.createDirectory(
                at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(commit.utf8).write(to: temporary)
            try replaceItem(at: destination, with: temporary)
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw .cache(path: destination.path, detail: "cannot write ref: \(error.localizedDescription)")
        }
    }

    /// Points `snapshots/{commit}/{path}` at `blobs/{etag}` with a relative link: one `../` per
    /// directory between the link and the repo folder, as `os.path.relpath` gives huggingface_hub.
    func linkSnapshotFile(commit: String, path: String, etag: String) throws(HubError) {
        let link = pointer(commit: commit, path: path)
        let depth = path.split(separator: "/").count - 1
        let target = String(repeating: "../", count: depth + 2) + "blobs/" + etag
        do {
            try FileManager.default.createDirectory(
                at: link.deletingLastPathComponent(), withIntermediateDirectories: true)
            if (try? FileManager.default.destinationOfSymbolicLink(atPath: link.path)) == target { return }
            if (try? link.checkResourceIsReachable()) == true || isSymbolicLink(link) {
                try FileManager.default.removeItem(at: link)
            }
            try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: target)
        } catch {
            throw .cache(path: link.path, detail: "cannot create snapshot link: \(error.localizedDescription)")
        }
    }

    /// Tags the cache for backup tools (the Cache Directory Tagging Standard), as huggingface_hub does.
    func tagCacheDirectory() {
        let tag = root.appendingPathComponent("CACHEDIR.TAG")
        guard !FileManager.default.fileExists(atPath: tag.path) else { return }
        let content =
            "Signature: 8a477f597d28d172789f06886806bc55\n"
            + "# This file is a cache directory tag created by huggingface_hub.\n"
            + "# For information about cache directory tags, see:\n"
            + "#\thttps://bford.info/cachedir/\n"
        try? Data(content.utf8).write(to: tag)
    }

    private func isSymbolicLink(_ url: URL) -> Bool {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: url.path)) != nil
    }
}

/// `rename(2)`: atomic, and replaces an existing destination.
func replaceItem(at destination: URL, with source: URL) throws {
    guard rename(source.path, destination.path) == 0 else {
        throw HubError.cache(path: destination.path, detail: String(cString: strerror(errno)))
    }
}
