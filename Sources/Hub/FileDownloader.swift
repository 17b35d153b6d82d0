// Streams one file into `blobs/{etag}.incomplete`. A partial file (left by an earlier run, or
// by a transfer cut off a moment ago) is continued with `Range: bytes=N-`; a server that answers
// 200 instead of 206 sends the whole file, so writing starts again at 0. Failures are retried with
// backoff, and the count starts over whenever the file got further (huggingface_hub's `http_get`
// starts over whenever bytes arrived).
import Foundation
import Logging
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

struct FileDownloader: Sendable {
    let api: HubAPI
    let progress: ProgressOutput

    /// Fills `incomplete` with the file at `url`; returns its final size. `file` names it in
    /// messages. The caller verifies the contents and renames the file into place.
    @discardableResult
    func download(
        from url: URL, to incomplete: URL, file: String, commit: String, expectedSize: Int64?
    ) async throws -> Int64 {
        let policy = api.policy
        var expected = expectedSize
        var current = url
        var redirects = 0
        var failures = 0
        // Failures count from zero again only when the file got longer than ever before, so a server
        // that cuts every transfer and ignores Range cannot keep us restarting forever.
        var longest = Self.size(of: incomplete)
        let reporter = ProgressReporter(
            file: file, total: expected, alreadyDone: Self.size(of: incomplete), output: progress, logger: api.logger)

        while true {
            var offset = Self.size(of: incomplete)
            if let expected, offset == expected { break }
            if let expected, offset > expected {
                try Self.truncate(incomplete)
                reporter.restart()
                offset = 0
            }
            let writer = try PartialFileWriter(url: incomplete, offset: offset, reporter: reporter)
            let outcome = await api.transport.send(
                api.request(method: "GET", url: current, range: offset), consumer: writer)
            writer.close()
            try Task.checkCancellation()
            if let error = outcome.consumerError { throw error }

            var problem: String
            if let head = outcome.head {
                if head.isRedirect, let target = HubAPI.redirectTarget(head, from: current) {
                    redirects += 1
                    guard redirects <= HubAPI.maxRedirects else {
                        throw HubError.unexpectedResponse(what: "downloading \(file)", detail: "too many redirects")
                    }
                    current = target
                    continue
                }
                if writer.accepted {
                    if expected == nil, let total = Self.totalSize(head, offset: writer.startOffset) {
                        expected = total
                        reporter.setTotal(total)
                    }
                    let reached = Self.size(of: incomplete)
                    if reached > longest {
                        longest = reached
                        failures = 0
                    }
                    if let failure = outcome.failure {
                        problem = failure
                    } else {
                        let size = Self.size(of: incomplete)
                        guard let expected else { break }  // no size anywhere: the end of the body is the end
                        if size == expected { break }
                        // The server delivered all of its copy, and that copy is not the size the Hub announced.
                        let served = Self.totalSize(head, offset: writer.startOffset)
                        if size > expected || (served == size && served != expected) {
                            try? FileManager.default.removeItem(at: incomplete)
                            throw HubError.sizeMismatch(file: file, expected: expected, actual: size)
                        }
                        problem = "the body ended at \(size) of \(expected) bytes"
                    }
                } else if head.status == 416 && offset > 0 {
                    // Our partial file does not fit the server's copy: start over.
                    try Self.truncate(incomplete)
                    reporter.restart()
                    problem = "range \(offset)- not satisfiable"
                } else if RetryPolicy.isTransient(status: head.status) || (200...299).contains(head.status) {
                    problem = "HTTP \(head.status)"
                    if head.status == 206 {
                        // A range we did not ask for: drop the partial file rather than splice it.
                        try Self.truncate(incomplete)
                        reporter.restart()
                    }
                } else {
                    throw api.statusError(head, revision: commit, path: file)
                }
            } else {
                problem = outcome.failure ?? "no response"
            }

            failures += 1
            guard failures < policy.attempts else {
                throw HubError.network(
                    what: "downloading \(file)", attempts: failures, detail: "\(problem) from \(HubAPI.origin(current))"
                )
            }
            let delay = policy.backoff(afterFailure: failures)
            let at = Self.size(of: incomplete)
            api.logger.warning("downloading \(file): \(problem); resuming at byte \(at) in \(delay)")
            try await Task.sleep(for: delay)
        }
        reporter.finish()
        return Self.size(of: incomplete)
    }

    /// The full size from `Content-Range: bytes a-b/total`, else `Content-Length` (+ our offset on 206).
    private static func totalSize(_ head: HTTPResponseHead, offset: Int64) -> Int64? {
        if let range = head["Content-Range"], let total = range.split(separator: "/").last.flatMap({ Int64($0) }) {
            return total
        }
        guard let length = head["Content-Length"].flatMap({ Int64($0) }) else { return nil }
        return head.status == 206 ? offset + length : length
    }

    static func size(of url: URL) -> Int64 {
        let attributes = try? FileManager.default.attributesOfItem(atPath: url.path)
        return (attributes?[.size] as? NSNumber)?.int64Value ?? 0
    }

    private static func truncate(_ url: URL) throws {
        guard FileManager.default.fileExists(atPath: url.path) else { return }
        do {
            let handle = try FileHandle(forWritingTo: url)
            defer { try? handle.close() }
            try handle.truncate(atOffset: 0)
        } catch {
            throw HubError.cache(path: url.path, detail: "cannot truncate: \(error.localizedDescription)")
        }
    }
}

/// Appends a 206 body at the partial file's end, or rewrites the file from 0 on a 200.
/// Runs on the transport's serial delegate queue.
final class PartialFileWriter: BodyConsumer, @unchecked Sendable {
    private let handle: FileHandle
    private let reporter: ProgressReporter
    private let offset: Int64
    private let url: URL
    private(set) var accepted = false
    private(set) var written: Int64 = 0
    /// Where this response's bytes start in the file (0 after a restart).
    private(set) var startOffset: Int64 = 0

    init(url: URL, offset: Int64, reporter: ProgressReporter) throws {
        self.url = url
        self.offset = offset
        self.reporter = reporter
        if !FileManager.default.fileExists(atPath: url.path) {
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw HubError.cache(path: url.path, detail: "cannot create the download file")
            }
        }
        do {
            handle = try FileHandle(forWritingTo: url)
        } catch {
            throw HubError.cache(path: url.path, detail: "cannot open for writing: \(error.localizedDescription)")
        }
    }

    func accept(_ head: HTTPResponseHead) -> Bool {
        do {
            if head.status == 206, offset > 0, Self.rangeStart(head) == offset {
                try handle.seek(toOffset: UInt64(offset))
                startOffset = offset
            } else if head.status == 200 {
                try handle.truncate(atOffset: 0)
                if offset > 0 { reporter.restart() }
                startOffset = 0
            } else {
                return false
            }
        } catch {
            return false
        }
        accepted = true
        return true
    }

    func consume(_ data: Data) throws {
        do {
            try handle.write(contentsOf: data)
        } catch {
            throw HubError.cache(path: url.path, detail: "cannot write: \(error.localizedDescription)")
        }
        written += Int64(data.count)
        reporter.advance(by: data.count)
    }

    func close() {
        try? handle.synchronize()
        try? handle.close()
    }

    /// `Content-Range: bytes 100-999/1000` → 100.
    private static func rangeStart(_ head: HTTPResponseHead) -> Int64? {
        guard let range = head["Content-Range"], range.hasPrefix("bytes ") else { return nil }
        return range.dropFirst(6).split(separator: "-").first.flatMap { Int64($0) }
    }
}
