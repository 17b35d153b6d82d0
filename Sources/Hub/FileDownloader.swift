// Streams one file into `blobs/{etag}.incomplete` by carrying out what `DownloadLoop` decides:
// the GETs (through the transport, the body written by `PartialFileWriter`), truncations, waits,
// progress and log lines. It decides nothing about resuming, retrying or sizes itself.
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

struct FileDownloader: Sendable {
    let api: HubAPI
    let progress: ProgressOutput
    var observer: DownloadObserver? = nil

    /// Fills `incomplete` with the file at `url`; returns its final size. `file` names it in
    /// messages. The caller verifies the contents and renames the file into place.
    @discardableResult
    func download(
        from url: URL, to incomplete: URL, file: String, commit: String, expectedSize: Int64?
    ) async throws -> Int64 {
        let partial = Self.size(of: incomplete)
        var loop = DownloadLoop(
            file: file, url: url, partialSize: partial, expectedSize: expectedSize, policy: api.policy
        ) { [api] head in api.statusError(head, revision: commit, path: file) }
        let reporter = ProgressReporter(
            file: file, total: expectedSize, alreadyDone: partial, output: progress, logger: api.logger,
            observer: observer)
        return try await run(&loop, into: incomplete, reporter: reporter)
    }

    /// Carries out the loop's actions, one case each, until it finishes or fails.
    private func run(
        _ loop: inout DownloadLoop, into incomplete: URL, reporter: ProgressReporter
    ) async throws -> Int64 {
        var action = loop.start()
        while true {
            switch action {
            case .request(let url, let offset):
                let transfer = try await fetch(
                    url, from: offset, into: incomplete, file: loop.file, expectedSize: loop.expectedSize,
                    reporter: reporter)
                action = loop.received(transfer)
                if let total = loop.expectedSize { reporter.setTotal(total) }  // the GET may have told it
            case .truncateAndRestart:
                try Self.truncate(incomplete)
                reporter.restart()
                action = loop.truncated()
            case .wait(let delay, let problem):
                api.logger.warning(
                    "downloading \(loop.file): \(problem); resuming at byte \(loop.partialSize) in \(delay)")
                try await Task.sleep(for: delay)
                action = loop.waited()
            case .finished(let size):
                reporter.finish()
                return size
            case .fail(let error):
                throw error
            case .discardAndFail(let error):
                try? FileManager.default.removeItem(at: incomplete)
                throw error
            }
        }
    }

    /// One GET from `offset` on, its body written into `incomplete` where the loop says.
    private func fetch(
        _ url: URL, from offset: Int64, into incomplete: URL, file: String, expectedSize: Int64?,
        reporter: ProgressReporter
    ) async throws -> DownloadLoop.Transfer {
        let writer = try PartialFileWriter(
            url: incomplete, offset: offset, reporter: reporter, file: file, expectedSize: expectedSize)
        let outcome = await api.transport.send(api.request(method: "GET", url: url, range: offset), consumer: writer)
        writer.close()
        try Task.checkCancellation()
        return DownloadLoop.Transfer(
            head: outcome.head, bodyStart: writer.bodyStart, partialSize: Self.size(of: incomplete),
            failure: outcome.failure, writeError: outcome.consumerError)
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

/// Writes a body where `DownloadLoop.placement` says: appended at the partial file's end on the
/// 206 we asked for, from 0 on a 200. Runs on the transport's serial delegate queue. A full disk is
/// reported as such (`diskFull`, with the bytes still needed), not as a generic write failure.
final class PartialFileWriter: BodyConsumer, @unchecked Sendable {
    private let handle: FileHandle
    private let reporter: ProgressReporter
    private let offset: Int64
    private let url: URL
    private let file: String
    private let expectedSize: Int64?
    /// Where this response's bytes start in the file (0 after a restart); nil when it is not written.
    private(set) var bodyStart: Int64?
    /// Where the next byte goes.
    private var position: Int64 = 0

    init(url: URL, offset: Int64, reporter: ProgressReporter, file: String, expectedSize: Int64?) throws {
        self.url = url
        self.offset = offset
        self.reporter = reporter
        self.file = file
        self.expectedSize = expectedSize
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
            switch DownloadLoop.placement(of: head, requestedFrom: offset) {
            case .append(let start):
                try handle.seek(toOffset: UInt64(start))
                bodyStart = start
                position = start
            case .rewrite:
                try handle.truncate(atOffset: 0)
                if offset > 0 { reporter.restart() }
                bodyStart = 0
                position = 0
            case .reject:
                return false
            }
        } catch {
            return false
        }
        return true
    }

    func consume(_ data: Data) throws {
        try data.withUnsafeBytes { bytes in
            var written = 0
            while written < bytes.count {
                let count = write(handle.fileDescriptor, bytes.baseAddress! + written, bytes.count - written)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { throw writeFailure(errno: errno, wrote: written) }
                written += count
            }
        }
        position += Int64(data.count)
        reporter.advance(by: data.count)
    }

    private func writeFailure(errno code: Int32, wrote: Int) -> HubError {
        guard code == ENOSPC || code == EDQUOT else {
            return .cache(path: url.path, detail: "cannot write: \(String(cString: strerror(code)))")
        }
        let done = position + Int64(wrote)
        let needed = max((expectedSize ?? done) - done, 1)
        let free = DiskSpace.available(at: url.deletingLastPathComponent()) ?? 0
        return .diskFull(file: file, path: url.path, needed: needed, available: free)
    }

    func close() {
        try? handle.synchronize()
        try? handle.close()
    }
}
