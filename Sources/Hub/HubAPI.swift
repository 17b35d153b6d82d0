// The two Hub calls the resolver needs, made as huggingface_hub makes them:
//   GET  {endpoint}/api/models/{repo}/revision/{revision}   → commit sha and file list
//   HEAD {endpoint}/{repo}/resolve/{commit}/{path}           → ETag, size, commit, download URL
// plus the request rules shared with the downloader: the token goes only to the endpoint's own
// origin, bodies are never compressed (sizes must be the file's), transient failures are retried.
import Foundation
import Logging

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

struct RevisionInfo: Sendable, Equatable {
    let commit: String
    let files: [String]
}

struct FileMetadata: Sendable, Equatable {
    let commit: String
    /// Normalised: no quotes, no `W/`. An LFS file's is its sha256.
    let etag: String
    let size: Int64?
    /// Where the bytes are: the resolve URL itself, or the CDN it redirects to.
    let downloadURL: URL
}

struct HubAPI: Sendable {
    let settings: HubSettings
    let repo: RepoID
    let transport: HubTransport
    let policy: RetryPolicy
    let logger: Logger

    static let maxRedirects = 5

    func revisionInfo(_ revision: String) async throws -> RevisionInfo {
        let url = URL(
            string: endpointBase + "/api/models/\(repo)/revision/" + Self.encode(revision, keepSlashes: false))!
        let what = "fetching \(repo) at revision '\(revision)'"
        let (head, body) = try await followingHubRedirects(method: "GET", url: url, what: what)
        guard (200...299).contains(head.status) else {
            throw statusError(head, revision: revision, path: nil)
        }
        struct Answer: Decodable {
            struct Sibling: Decodable { let rfilename: String }
            let sha: String?
            let siblings: [Sibling]?
        }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: body) else {
            throw HubError.unexpectedResponse(what: what, detail: "the body is not the expected JSON")
        }
        guard let commit = answer.sha, HubNames.isCommitHash(commit) else {
            throw HubError.unexpectedResponse(what: what, detail: "no 40-hex commit 'sha' in the answer")
        }
        guard let siblings = answer.siblings else {
            throw HubError.unexpectedResponse(what: what, detail: "no 'siblings' file list in the answer")
        }
        return RevisionInfo(commit: commit, files: siblings.map(\.rfilename))
    }

    func fileMetadata(commit: String, path: String) async throws -> FileMetadata {
        let url = URL(string: endpointBase + "/\(repo)/resolve/\(commit)/" + Self.encode(path, keepSlashes: true))!
        let what = "fetching metadata of \(path)"
        var current = url
        // Redirects within the Hub (a renamed repo) are followed; one to another host (a CDN)
        // carries the metadata itself and names where to download from.
        for _ in 0...Self.maxRedirects {
            let head = try await send(method: "HEAD", url: current, what: what).head
            if head.isRedirect, let target = Self.redirectTarget(head, from: current) {
                if Self.sameOrigin(target, current) {
                    current = target
                    continue
                }
                return try metadata(from: head, commit: commit, path: path, downloadURL: target)
            }
            guard (200...299).contains(head.status) else {
                throw statusError(head, revision: commit, path: path)
            }
            return try metadata(from: head, commit: commit, path: path, downloadURL: current)
        }
        throw HubError.unexpectedResponse(what: what, detail: "more than \(Self.maxRedirects) redirects")
    }

    private func metadata(
        from head: HTTPResponseHead, commit: String, path: String, downloadURL: URL
    ) throws -> FileMetadata {
        let what = "for \(path)"
        guard let served = head["X-Repo-Commit"] else {
            throw HubError.unexpectedResponse(
                what: what, detail: "no X-Repo-Commit header; is HF_ENDPOINT a Hugging Face Hub endpoint?")
        }
        guard served == commit else {
            throw HubError.unexpectedResponse(what: what, detail: "served commit \(served), asked for \(commit)")
        }
        guard let rawETag = head["X-Linked-Etag"] ?? head["ETag"] else {
            throw HubError.unexpectedResponse(what: what, detail: "no ETag header")
        }
        let etag = Self.normalizeETag(rawETag)
        try HubNames.validateETag(etag, file: path)
        let sizeText = head["X-Linked-Size"] ?? (head.isRedirect ? nil : head["Content-Length"])
        return FileMetadata(commit: commit, etag: etag, size: sizeText.flatMap { Int64($0) }, downloadURL: downloadURL)
    }

    /// GET or HEAD following redirects that stay on the endpoint's origin; the answer of the last hop.
    private func followingHubRedirects(
        method: String, url: URL, what: String
    ) async throws -> (HTTPResponseHead, Data) {
        var current = url
        for _ in 0...Self.maxRedirects {
            let (head, body) = try await send(method: method, url: current, what: what)
            guard head.isRedirect, let target = Self.redirectTarget(head, from: current),
                Self.sameOrigin(target, current)
            else { return (head, body) }
            current = target
        }
        throw HubError.unexpectedResponse(what: what, detail: "more than \(Self.maxRedirects) redirects")
    }

    /// One request with retries for connection failures and transient statuses.
    private func send(method: String, url: URL, what: String) async throws -> (head: HTTPResponseHead, body: Data) {
        var failures = 0
        while true {
            let outcome = await transport.send(request(method: method, url: url))
            try Task.checkCancellation()
            let problem: String
            if let head = outcome.head, outcome.failure == nil {
                guard RetryPolicy.isTransient(status: head.status) else { return (head, outcome.body) }
                problem = "HTTP \(head.status)"
            } else {
                problem = outcome.failure ?? "no response"
            }
            failures += 1
            guard failures < policy.attempts else {
                throw HubError.network(what: what, attempts: failures, detail: "\(problem) from \(Self.origin(url))")
            }
            let delay = policy.backoff(afterFailure: failures)
            logger.warning("\(what): \(problem); retrying in \(delay)")
            try await Task.sleep(for: delay)
        }
    }

    /// The request every Hub call makes; `Authorization` only towards the endpoint's own origin,
    /// never towards a CDN it redirects to.
    func request(method: String, url: URL, range: Int64? = nil) -> URLRequest {
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.setValue("identity", forHTTPHeaderField: "Accept-Encoding")
        request.setValue("reward-server", forHTTPHeaderField: "User-Agent")
        if let token = settings.token, Self.sameOrigin(url, settings.endpoint) {
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        }
        if let range, range > 0 {
            request.setValue("bytes=\(range)-", forHTTPHeaderField: "Range")
        }
        return request
    }

    /// Maps a final non-2xx answer to the error a user can act on (X-Error-Code tells 404s apart).
    func statusError(_ head: HTTPResponseHead, revision: String, path: String?) -> HubError {
        let code = head["X-Error-Code"]
        switch head.status {
        case 401, 403:
            return .accessDenied(repo: repo.rawValue, status: head.status, tokenSent: settings.token != nil)
        case 404:
            switch code {
            case "RevisionNotFound": return .revisionNotFound(repo: repo.rawValue, revision: revision)
            case "RepoNotFound": return .repositoryNotFound(repo: repo.rawValue)
            default:
                if let path { return .fileNotFound(repo: repo.rawValue, revision: revision, path: path) }
                return .repositoryNotFound(repo: repo.rawValue)
            }
        default:
            let what = path.map { "for \($0)" } ?? "for \(repo) at revision '\(revision)'"
            return .unexpectedResponse(what: what, detail: "HTTP \(head.status)")
        }
    }

    private var endpointBase: String {
        var base = settings.endpoint.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }

    static func redirectTarget(_ head: HTTPResponseHead, from url: URL) -> URL? {
        guard let location = head["Location"] else { return nil }
        return URL(string: location, relativeTo: url)?.absoluteURL
    }

    /// Scheme, host and port (with the scheme's default), as huggingface_hub compares origins.
    static func sameOrigin(_ first: URL, _ second: URL) -> Bool {
        origin(first) == origin(second)
    }

    static func origin(_ url: URL) -> String {
        let scheme = url.scheme?.lowercased() ?? ""
        let port = url.port ?? (scheme == "https" ? 443 : scheme == "http" ? 80 : 0)
        return "\(scheme)://\(url.host?.lowercased() ?? ""):\(port)"
    }

    /// `"abc"` and `W/"abc"` both become `abc`.
    static func normalizeETag(_ raw: String) -> String {
        var etag = Substring(raw.trimmingCharacters(in: .whitespaces))
        if etag.hasPrefix("W/") { etag = etag.dropFirst(2) }
        return String(etag.trimmingCharacters(in: CharacterSet(charactersIn: "\"")))
    }

    /// Percent-encoding as Python's `quote`: unreserved characters stay, `/` stays in file paths.
    static func encode(_ text: String, keepSlashes: Bool) -> String {
        var allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        if keepSlashes { allowed.insert("/") }
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
