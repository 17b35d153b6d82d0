// Validation of every name that becomes part of a cache path or a URL: repo ids and revisions
// from the user, commit hashes, ETags and file names from the server. None can leave the cache.

/// A validated Hub model id: `org/name` (or a legacy top-level `name`).
public struct RepoID: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(_ raw: String) throws(HubError) {
        let segments = raw.split(separator: "/", omittingEmptySubsequences: false)
        guard segments.count <= 2 else { throw .invalidRepoID(raw, reason: "more than one '/'") }
        for segment in segments {
            guard !segment.isEmpty else { throw .invalidRepoID(raw, reason: "empty part") }
            guard segment.count <= 96 else { throw .invalidRepoID(raw, reason: "a part is longer than 96 characters") }
            guard segment.utf8.allSatisfy(HubNames.isNameByte) else {
                throw .invalidRepoID(raw, reason: "character outside [A-Za-z0-9._-]")
            }
            guard let first = segment.utf8.first, let last = segment.utf8.last,
                HubNames.isWordByte(first), HubNames.isWordByte(last)
            else {
                throw .invalidRepoID(raw, reason: "a part starts or ends with '.' or '-'")
            }
        }
        // huggingface_hub forbids both: `--` is the cache folder separator, `..` a parent directory.
        guard !raw.contains("--") else { throw .invalidRepoID(raw, reason: "contains '--'") }
        guard !raw.contains("..") else { throw .invalidRepoID(raw, reason: "contains '..'") }
        guard !raw.hasSuffix(".git") else { throw .invalidRepoID(raw, reason: "ends with '.git'") }
        rawValue = raw
    }

    public var description: String { rawValue }

    /// `models--org--name`, the repo's folder in the cache.
    public var cacheFolderName: String {
        (["models"] + rawValue.split(separator: "/").map(String.init)).joined(separator: "--")
    }
}

enum HubNames {
    static func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == 0x5F
    }

    static func isNameByte(_ byte: UInt8) -> Bool {
        isWordByte(byte) || byte == 0x2E || byte == 0x2D
    }

    static func isHexByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x66)
    }

    /// A full commit hash: 40 lowercase hex characters.
    static func isCommitHash(_ text: String) -> Bool {
        text.utf8.count == 40 && text.utf8.allSatisfy(isHexByte)
    }

    /// An LFS ETag: the file's sha256 as 64 lowercase hex characters.
    static func isSHA256(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy(isHexByte)
    }

    /// A branch, tag or commit. It names `refs/<revision>`, so it may hold `/` (`refs/pr/1`) but no
    /// empty, `.` or `..` part, and nothing outside printable ASCII.
    static func validateRevision(_ revision: String) throws(HubError) {
        guard !revision.isEmpty else { throw .invalidRevision(revision, reason: "empty") }
        guard revision.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != 0x5C }) else {
            throw .invalidRevision(revision, reason: "spaces, control or non-ASCII characters, or '\\'")
        }
        try validateRelativePath(revision) { .invalidRevision(revision, reason: $0) }
    }

    /// A file path inside a repo as the server names it (siblings, shard indexes).
    static func validateRepoFilePath(_ path: String, repo: RepoID) throws(HubError) {
        try validateRelativePath(path) {
            .unexpectedResponse(what: "for \(repo)", detail: "unsafe file name '\(path)': \($0)")
        }
    }

    /// A normalised ETag becomes `blobs/<etag>`: one path component of safe characters.
    static func validateETag(_ etag: String, file: String) throws(HubError) {
        guard !etag.isEmpty, etag.utf8.allSatisfy(isNameByte), etag != ".", etag != ".." else {
            throw .unexpectedResponse(what: "for \(file)", detail: "unusable ETag '\(etag)'")
        }
    }

    private static func validateRelativePath(
        _ path: String, _ makeError: (String) -> HubError
    ) throws(HubError) {
        guard !path.hasPrefix("/") else { throw makeError("absolute path") }
        guard !path.utf8.contains(0) else { throw makeError("NUL character") }
        for part in path.split(separator: "/", omittingEmptySubsequences: false) {
            guard !part.isEmpty else { throw makeError("empty path part") }
            guard part != "." && part != ".." else { throw makeError("'.' or '..' part") }
        }
    }
}
