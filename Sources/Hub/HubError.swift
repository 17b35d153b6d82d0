// Every way fetching a model can fail, each with a message a user can act on. No case ever
// carries the token, and URLs are reduced to what the user typed (repo, revision, file).
import Foundation

public enum HubError: Error, Equatable, Sendable {
    /// `model` looked like a path (`/`, `./`, `../`, `~`) but names no directory.
    case noSuchModelDirectory(path: String)
    case invalidRepoID(String, reason: String)
    case invalidRevision(String, reason: String)
    case invalidEndpoint(String)
    /// 401/403 from the Hub.
    case accessDenied(repo: String, status: Int, tokenSent: Bool)
    case repositoryNotFound(repo: String)
    case revisionNotFound(repo: String, revision: String)
    case fileNotFound(repo: String, revision: String, path: String)
    /// The repo has no weights in a format the service reads.
    case noSupportedWeights(repo: String, revision: String, files: [String])
    case checksumMismatch(file: String, expected: String, actual: String)
    case sizeMismatch(file: String, expected: Int64, actual: Int64)
    /// Connection failures, timeouts and 5xx answers that outlasted every retry.
    case network(what: String, attempts: Int, detail: String)
    /// The Hub answered something this client cannot use (no commit header, bad JSON, …).
    case unexpectedResponse(what: String, detail: String)
    case offlineSnapshotMissing(repo: String, revision: String, cacheDirectory: String, detail: String)
    case cache(path: String, detail: String)
    /// The disk holding the cache has too little room for `file`: `needed` more bytes, `available` free.
    case diskFull(file: String, path: String, needed: Int64, available: Int64)
    /// A cached file no longer hashes to the sha256 it was stored under (damaged on disk after download).
    case corruptBlob(file: String, blob: String, expected: String, actual: String)
}

extension HubError: CustomStringConvertible, LocalizedError {
    public var errorDescription: String? { description }

    public var description: String {
        switch self {
        case .noSuchModelDirectory(let path):
            return "no such model directory: \(path)"
        case .invalidRepoID(let repo, let reason):
            return "invalid Hub repo id '\(repo)': \(reason) (expected 'org/name' with letters, digits, '.', '_', '-')"
        case .invalidRevision(let revision, let reason):
            return "invalid revision '\(revision)': \(reason)"
        case .invalidEndpoint(let endpoint):
            return "invalid HF_ENDPOINT '\(endpoint)': expected an http:// or https:// URL"
        case .accessDenied(let repo, let status, let tokenSent):
            let hint =
                tokenSent
                ? "the token in HF_TOKEN was refused or has no access to it"
                : "no token was sent; set HF_TOKEN to a token with access"
            return
                "access to Hub repo '\(repo)' denied (HTTP \(status)): it may be private or gated, or may not exist; "
                + hint
        case .repositoryNotFound(let repo):
            return
                "Hub repo '\(repo)' not found (HTTP 404); check the id, or set HF_TOKEN if it is private or gated"
        case .revisionNotFound(let repo, let revision):
            return "revision '\(revision)' not found in Hub repo '\(repo)' (HTTP 404)"
        case .fileNotFound(let repo, let revision, let path):
            return "file '\(path)' not found in Hub repo '\(repo)' at revision '\(revision)'"
        case .noSupportedWeights(let repo, let revision, let files):
            return
                "Hub repo '\(repo)' at revision '\(revision)' has no model.safetensors, model.safetensors.index.json, "
                + "pytorch_model.bin or pytorch_model.bin.index.json; it has: "
                + (files.isEmpty ? "no files" : files.joined(separator: ", "))
        case .checksumMismatch(let file, let expected, let actual):
            return
                "checksum mismatch for '\(file)': expected sha256 \(expected), got \(actual); the partial file was deleted"
        case .sizeMismatch(let file, let expected, let actual):
            return
                "size mismatch for '\(file)': expected \(expected) bytes, got \(actual); the partial file was deleted"
        case .network(let what, let attempts, let detail):
            return "network failure \(what) after \(attempts) attempt\(attempts == 1 ? "" : "s"): \(detail)"
        case .unexpectedResponse(let what, let detail):
            return "unexpected answer from the Hub \(what): \(detail)"
        case .offlineSnapshotMissing(let repo, let revision, let cacheDirectory, let detail):
            return
                "offline mode (HF_HUB_OFFLINE) and no usable cached snapshot of '\(repo)' at revision '\(revision)' "
                + "in \(cacheDirectory): \(detail)"
        case .cache(let path, let detail):
            return "cache error at \(path): \(detail)"
        case .diskFull(let file, let path, let needed, let available):
            return
                "not enough disk space for '\(file)' at \(path): \(needed) more bytes needed, \(available) free; "
                + "free some space or point HF_HUB_CACHE (or HF_HOME) at a larger disk. The partial file is kept "
                + "and the download resumes from it on the next start"
        case .corruptBlob(let file, let blob, let expected, let actual):
            return
                "the cached '\(file)' is damaged: \(blob) should hash to sha256 \(expected) but hashes to \(actual); "
                + "delete \(blob) and start again to download it anew"
        }
    }
}
