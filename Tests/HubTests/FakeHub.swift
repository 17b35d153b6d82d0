// A fake Hugging Face Hub on 127.0.0.1 (ephemeral port) speaking the parts of the protocol that
// the resolver and Python's huggingface_hub use: repo info, tree listing, HEAD/GET resolve with
// Range. It records every request and has switches for the faults the tests need. One request
// per connection (`Connection: close`) keeps the plumbing small.
import Foundation
import Glibc
import Synchronization

@testable import Hub

struct RecordedRequest: Sendable {
    let method: String
    /// Path without the query.
    let path: String
    let headers: [String: String]

    func header(_ name: String) -> String? { headers[name.lowercased()] }
}

/// One repo as the fake hub serves it.
struct FakeRepo: Sendable {
    var id: String
    var commit: String
    var files: [String: Data]

    static func isLFS(_ path: String) -> Bool {
        [".safetensors", ".bin", ".onnx", ".h5", ".msgpack"].contains { path.hasSuffix($0) }
    }

    /// What the Hub puts in ETag: the sha256 for LFS files; for git files a 40-hex object id
    /// (here a stand-in derived from sha256, since nothing checks git ids).
    static func etag(_ path: String, _ data: Data) -> String {
        if isLFS(path) { return SHA256.hexDigest(of: data) }
        var header = Data("blob \(data.count)\0".utf8)
        header.append(data)
        return String(SHA256.hexDigest(of: header).prefix(40))
    }

    /// A repo holding every file of a fixture model directory.
    static func fixture(_ directory: URL, id: String, commit: String = FakeRepo.commit(1)) throws -> FakeRepo {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: directory.path) {
            files[name] = try Data(contentsOf: directory.appendingPathComponent(name))
        }
        return FakeRepo(id: id, commit: commit, files: files)
    }

    static func commit(_ number: Int) -> String {
        String(SHA256.hexDigest(of: Data("commit \(number)".utf8)).prefix(40))
    }
}

final class FakeHub: @unchecked Sendable {
    struct Faults: Sendable {
        /// Path → bytes after which the first GET of that file is cut off (then the switch clears).
        var cutAfter: [String: Int] = [:]
        /// Path → bytes after which every GET of that file is cut off.
        var alwaysCutAfter: [String: Int] = [:]
        /// LFS files whose advertised sha256 is not their content's.
        var wrongSHA256: Set<String> = []
        /// When set, every request without `Authorization: Bearer <token>` gets `deniedStatus`.
        var requiredToken: String?
        var deniedStatus = 401
        /// The next this-many requests get 503 (a hub restarting).
        var unavailableRequests = 0
        /// Listed in the repo info, yet resolve answers 404 EntryNotFound.
        var missingOnResolve: Set<String> = []
        /// Files whose HEAD announces one byte more than they have.
        var wrongSize: Set<String> = []
        /// Answer 200 with the whole file even when a Range was asked for.
        var ignoreRange = false
        /// LFS HEADs redirect (302) to this other server's `/cdn/<sha256>`.
        var cdn: FakeHub?
        /// Path → bytes after which every GET of that file pauses until the entry is removed (a
        /// download caught midway, for killing or filling the disk under it).
        var stallAfter: [String: Int] = [:]
    }

    private struct State {
        var repos: [String: FakeRepo] = [:]
        var faults = Faults()
        var requests: [RecordedRequest] = []
        /// Content the CDN role serves, by sha256.
        var cdnBlobs: [String: Data] = [:]
        /// Until the accept thread closes `listener`; read and changed only under the lock, so `stop`
        /// never reaches a descriptor number that has been closed (and maybe reused) meanwhile.
        var listenerOpen = true
    }

    private let listener: Int32
    let port: Int
    private let state = Mutex(State())

    var url: String { "http://127.0.0.1:\(port)" }

    init(_ repos: [FakeRepo] = []) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.listener = listener
        var yes: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, listen(listener, 64) == 0 else { throw FakeHubError("cannot listen: errno \(errno)") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { _ = getsockname(listener, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        for repo in repos { state.withLock { $0.repos[repo.id] = repo } }
        let thread = Thread { [self] in acceptLoop() }
        thread.start()
    }

    /// Wakes the accept thread, which closes the listener on its way out. Closing it here instead
    /// would free the descriptor number while that thread may still call `accept` with it; a hub
    /// started meanwhile by a test running in parallel can get the same number, and this hub's
    /// thread would then take (and answer with this hub's repos) connections meant for that one.
    /// Likewise, once that thread has closed the listener, a shutdown here would hit whatever now has
    /// its number (another test's listening socket, whose queued connections would be reset).
    func stop() {
        state.withLock { state in
            if state.listenerOpen { shutdown(listener, Int32(SHUT_RDWR)) }
        }
    }

    var requests: [RecordedRequest] { state.withLock { $0.requests } }
    func clearRequests() { state.withLock { $0.requests.removeAll() } }
    func setFaults(_ change: (inout Faults) -> Void) { state.withLock { change(&$0.faults) } }
    func update(repo id: String, _ change: (inout FakeRepo) -> Void) {
        state.withLock { change(&$0.repos[id]!) }
    }

    /// GETs of resolve URLs, by file path.
    func downloads(of path: String) -> [RecordedRequest] {
        requests.filter { $0.method == "GET" && $0.path.contains("/resolve/") && $0.path.hasSuffix("/" + path) }
    }

    /// Every file path fetched with GET through resolve.
    var downloadedFiles: Set<String> {
        Set(
            requests.filter { $0.method == "GET" && $0.path.contains("/resolve/") }.map {
                $0.path.components(separatedBy: "/resolve/")[1].split(separator: "/", maxSplits: 1)[1]
                    .removingPercentEncoding!
            })
    }

    fileprivate func serveCDN(_ data: Data, sha: String) {
        state.withLock { $0.cdnBlobs[sha] = data }
    }

    // MARK: - Serving

    private func acceptLoop() {
        defer {
            state.withLock { state in
                state.listenerOpen = false
                close(listener)
            }
        }
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else {
                // A client that reset before it was accepted is no reason to stop serving.
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            let thread = Thread { [self] in
                handle(client)
                close(client)
            }
            thread.start()
        }
    }

    private func handle(_ client: Int32) {
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !buffer.containsHeadEnd {
            let count = recv(client, &chunk, chunk.count, 0)
            guard count > 0 else { return }
            buffer += chunk[0..<count]
        }
        let text = String(decoding: buffer, as: UTF8.self)
        let lines = text.components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count == 3 else { return }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        let target = String(parts[1])
        let path = String(target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0])
        let request = RecordedRequest(method: String(parts[0]), path: path, headers: headers)
        state.withLock { $0.requests.append(request) }
        let response = respond(to: request)
        send(client, response, isHead: request.method == "HEAD")
    }

    private struct Response {
        var status: Int
        var headers: [(String, String)] = []
        var body = Data()
        /// Send only this many body bytes, then close (a transfer cut off midway).
        var cutAfter: Int?
        /// Send this many body bytes, then wait while the file's stall switch is on.
        var stall: (path: String, after: Int)?
    }

    private func respond(to request: RecordedRequest) -> Response {
        let (faults, repos) = state.withLock { ($0.faults, $0.repos) }
        if request.path.hasPrefix("/cdn/") {
            let sha = String(request.path.dropFirst(5))
            guard let data = state.withLock({ $0.cdnBlobs[sha] }) else { return Response(status: 404) }
            return content(data, path: sha, request: request, faults: faults, extra: [])
        }
        let unavailable: Bool = state.withLock { state in
            guard state.faults.unavailableRequests > 0 else { return false }
            state.faults.unavailableRequests -= 1
            return true
        }
        if unavailable { return Response(status: 503) }
        if let token = faults.requiredToken, request.header("Authorization") != "Bearer \(token)" {
            let code = faults.deniedStatus == 403 ? "GatedRepo" : "RepoNotFound"
            return Response(
                status: faults.deniedStatus, headers: [("X-Error-Code", code)],
                body: Data(#"{"error":"Access denied"}"#.utf8))
        }
        let segments = request.path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        // /api/models/{org}/{name}/revision/{rev}   or   /api/models/{org}/{name}/tree/{rev}
        if segments.count >= 7, segments[1] == "api", segments[2] == "models" {
            let repoID = segments[3] + "/" + segments[4]
            guard let repo = repos[repoID] else { return notFound("RepoNotFound") }
            let revision = segments[6].removingPercentEncoding ?? segments[6]
            guard revision == "main" || revision == repo.commit else { return notFound("RevisionNotFound") }
            if segments[5] == "revision" { return json(repoInfo(repo)) }
            if segments[5] == "tree" { return json(tree(repo, faults: faults)) }
            return Response(status: 404)
        }
        // /{org}/{name}/resolve/{rev}/{path…}
        if segments.count >= 6, segments[3] == "resolve" {
            let repoID = segments[1] + "/" + segments[2]
            guard let repo = repos[repoID] else { return notFound("RepoNotFound") }
            let revision = segments[4].removingPercentEncoding ?? segments[4]
            guard revision == "main" || revision == repo.commit else { return notFound("RevisionNotFound") }
            let file = segments[5...].joined(separator: "/").removingPercentEncoding!
            guard let data = repo.files[file], !faults.missingOnResolve.contains(file) else {
                var response = notFound("EntryNotFound")
                response.headers.append(("X-Repo-Commit", repo.commit))
                return response
            }
            return resolve(file, data: data, repo: repo, request: request, faults: faults)
        }
        return Response(status: 404)
    }

    private func resolve(
        _ file: String, data: Data, repo: FakeRepo, request: RecordedRequest, faults: Faults
    ) -> Response {
        var headers = [("X-Repo-Commit", repo.commit)]
        if FakeRepo.isLFS(file) {
            var sha = FakeRepo.etag(file, data)
            if faults.wrongSHA256.contains(file) { sha = SHA256.hexDigest(of: data + Data("tampered".utf8)) }
            headers += [("X-Linked-Etag", "\"\(sha)\""), ("X-Linked-Size", "\(data.count)")]
            if let cdn = faults.cdn {
                cdn.serveCDN(data, sha: sha)
                headers += [("Location", "\(cdn.url)/cdn/\(sha)?X-Amz-Signature=fake"), ("Content-Length", "0")]
                return Response(status: 302, headers: headers)
            }
            headers.append(("ETag", "\"\(sha)\""))
        } else {
            headers.append(("ETag", "\"\(FakeRepo.etag(file, data))\""))
        }
        if request.method == "HEAD", faults.wrongSize.contains(file) {
            return Response(status: 200, headers: headers + [("Content-Length", "\(data.count + 1)")])
        }
        return content(data, path: file, request: request, faults: faults, extra: headers)
    }

    /// A file body, honouring `Range: bytes=N-` unless told not to, and the cut-off switch.
    private func content(
        _ data: Data, path: String, request: RecordedRequest, faults: Faults, extra: [(String, String)]
    ) -> Response {
        var response = Response(status: 200, headers: extra, body: data)
        if let range = request.header("Range"), !faults.ignoreRange, range.hasPrefix("bytes="), range.hasSuffix("-"),
            let start = Int(range.dropFirst(6).dropLast()), start < data.count
        {
            response.status = 206
            response.body = data.subdata(in: start..<data.count)
            response.headers.append(("Content-Range", "bytes \(start)-\(data.count - 1)/\(data.count)"))
        }
        response.headers.append(("Content-Length", "\(response.body.count)"))
        if request.method == "GET" {
            let cut: Int? = state.withLock { state in
                if let always = state.faults.alwaysCutAfter[path] { return always }
                guard let cut = state.faults.cutAfter[path] else { return nil }
                state.faults.cutAfter[path] = nil
                return cut
            }
            response.cutAfter = cut
            if let after = faults.stallAfter[path] { response.stall = (path, after) }
        }
        return response
    }

    private func repoInfo(_ repo: FakeRepo) -> Any {
        [
            "_id": "fake", "id": repo.id, "modelId": repo.id, "sha": repo.commit, "private": false,
            "siblings": repo.files.keys.sorted().map { ["rfilename": $0] },
        ] as [String: Any]
    }

    private func tree(_ repo: FakeRepo, faults: Faults) -> Any {
        repo.files.keys.sorted().map { path -> [String: Any] in
            let data = repo.files[path]!
            var entry: [String: Any] = [
                "type": "file", "path": path, "size": data.count, "oid": String(FakeRepo.etag("x", data).prefix(40)),
            ]
            if FakeRepo.isLFS(path) {
                entry["lfs"] = ["oid": FakeRepo.etag(path, data), "size": data.count, "pointerSize": 134]
            }
            return entry
        }
    }

    private func json(_ value: Any) -> Response {
        let body = try! JSONSerialization.data(withJSONObject: value, options: [.sortedKeys])
        return Response(status: 200, headers: [("Content-Type", "application/json")], body: body)
    }

    private func notFound(_ code: String) -> Response {
        Response(status: 404, headers: [("X-Error-Code", code)], body: Data(#"{"error":"\#(code)"}"#.utf8))
    }

    private func send(_ client: Int32, _ response: Response, isHead: Bool) {
        var head = "HTTP/1.1 \(response.status) \(Self.reason(response.status))\r\n"
        var headers = response.headers
        if !headers.contains(where: { $0.0 == "Content-Length" }) {
            headers.append(("Content-Length", "\(response.body.count)"))
        }
        for (name, value) in headers + [("Connection", "close")] { head += "\(name): \(value)\r\n" }
        head += "\r\n"
        var bytes = Data(head.utf8)
        if !isHead {
            bytes.append(response.cutAfter.map { response.body.prefix($0) } ?? response.body)
        }
        if let stall = response.stall, !isHead {
            let held = bytes.count - response.body.count + stall.after
            guard sendAll(client, bytes.prefix(held)) else { return }
            while state.withLock({ $0.faults.stallAfter[stall.path] != nil }) { usleep(20_000) }
            bytes = bytes.dropFirst(held)
        }
        _ = sendAll(client, bytes)
        shutdown(client, Int32(SHUT_WR))
        // Drain until the client closes, so the close never turns into a reset that eats the body.
        var sink = [UInt8](repeating: 0, count: 1024)
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        while recv(client, &sink, sink.count, 0) > 0 {}
    }

    /// False when the client went away.
    private func sendAll(_ client: Int32, _ bytes: Data) -> Bool {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let sent = Glibc.send(client, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                guard sent > 0 else { return false }
                offset += sent
            }
            return true
        }
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 206: "Partial Content"
        case 302: "Found"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 503: "Service Unavailable"
        default: "Status"
        }
    }
}

struct FakeHubError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension [UInt8] {
    fileprivate var containsHeadEnd: Bool {
        guard count >= 4 else { return false }
        for index in 0...(count - 4)
        where self[index] == 13 && self[index + 1] == 10 && self[index + 2] == 13 && self[index + 3] == 10 {
            return true
        }
        return false
    }
}
