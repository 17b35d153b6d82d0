// The download loop of one file as a pure step function: told what the last step came to (the
// partial file's size, what a GET returned), it answers what to do next (request, truncate, wait,
// finish, fail). It owns resuming with Range, starting over, the redirect cap, the retry budget and
// the size checks. It never touches the file, the network or a clock: `FileDownloader` carries out
// its actions. Failures count from zero again only when the file got longer than ever before
// (huggingface_hub's `http_get` starts over whenever bytes arrived), so a server that cuts every
// transfer and ignores Range cannot keep it restarting forever.
import Foundation

/// Contract with the driver: call `start` once, then report each action with its call (`received`,
/// `truncated`, `waited`) until the loop answers `finished`, `fail` or `discardAndFail`.
struct DownloadLoop: Sendable {
    enum Action: Equatable, Sendable {
        /// GET `url` for the bytes from `rangeFrom` on (a `Range` header only when > 0), writing the
        /// body where `placement(of:requestedFrom:)` says; report the transfer with `received`.
        case request(URL, rangeFrom: Int64)
        /// Empty the partial file and start the progress over at 0; report with `truncated`.
        case truncateAndRestart
        /// Log `problem`, then sleep this long; report with `waited`.
        case wait(Duration, problem: String)
        /// The partial file is complete at this size.
        case finished(Int64)
        /// Give up; the partial file stays for a later run to resume.
        case fail(HubError)
        /// Give up and delete the partial file: its bytes are not the file's.
        case discardAndFail(HubError)
    }

    /// Where a body goes, decided from the head as it arrives.
    enum BodyPlacement: Equatable, Sendable {
        /// The 206 for the range we asked for: continue the partial file at this offset.
        case append(at: Int64)
        /// A 200 carries the whole file, even when we asked for a range: write it from 0.
        case rewrite
        /// Not the file's bytes (an error page, a redirect, a range we did not ask for).
        case reject
    }

    /// What one GET came to, as the driver saw it.
    struct Transfer: Sendable {
        /// Nil when no answer arrived (no connection, a timeout before the head).
        var head: HTTPResponseHead?
        /// Where in the file the body was written from; nil when it was not written.
        var bodyStart: Int64?
        /// The partial file's size once the transfer ended.
        var partialSize: Int64
        /// Why the transfer failed (cut off midway, timed out, refused); nil when it completed.
        var failure: String?
        /// Writing the body failed (disk full): not worth retrying.
        var writeError: HubError?
    }

    /// What the driver was last told to do, and so which call must come next.
    private enum Awaiting: Equatable {
        case start
        case transfer(from: Int64)
        /// After the truncation: retry this problem, or (nil) ask for the file from 0.
        case truncation(thenRetry: String?)
        case wait
        case nothing
    }

    let file: String
    let policy: RetryPolicy
    let maxRedirects: Int
    /// The error for a final answer that no retry can fix (401, 404, …).
    private let statusError: @Sendable (HTTPResponseHead) -> HubError
    /// The download URL, or where it last redirected.
    private(set) var url: URL
    /// Announced by the HEAD, else learnt from the first GET that tells it; nil while unknown.
    private(set) var expectedSize: Int64?
    private(set) var partialSize: Int64
    private(set) var redirects = 0
    private(set) var failures = 0
    /// The longest the partial file has been.
    private(set) var longest: Int64
    private var awaiting = Awaiting.start

    init(
        file: String, url: URL, partialSize: Int64, expectedSize: Int64?, policy: RetryPolicy,
        maxRedirects: Int = HubAPI.maxRedirects, statusError: @escaping @Sendable (HTTPResponseHead) -> HubError
    ) {
        self.file = file
        self.url = url
        self.partialSize = partialSize
        self.longest = partialSize
        self.expectedSize = expectedSize
        self.policy = policy
        self.maxRedirects = maxRedirects
        self.statusError = statusError
    }

    mutating func start() -> Action {
        precondition(awaiting == .start, "DownloadLoop.start() called twice")
        return next()
    }

    mutating func received(_ transfer: Transfer) -> Action {
        guard case .transfer(let offset) = awaiting else { preconditionFailure("received(_:) without a request") }
        partialSize = transfer.partialSize
        if let error = transfer.writeError { return end(.fail(error)) }
        guard let head = transfer.head else { return retry(transfer.failure ?? "no response") }
        if head.isRedirect, let target = HubAPI.redirectTarget(head, from: url) { return follow(target) }
        if let start = transfer.bodyStart { return bodyEnded(head, start: start, failure: transfer.failure) }
        return refused(head, requestedFrom: offset)
    }

    mutating func truncated() -> Action {
        guard case .truncation(let problem) = awaiting else { preconditionFailure("truncated() unasked") }
        partialSize = 0
        guard let problem else { return request() }
        return retry(problem)
    }

    mutating func waited() -> Action {
        precondition(awaiting == .wait, "waited() unasked")
        return next()
    }

    static func placement(of head: HTTPResponseHead, requestedFrom offset: Int64) -> BodyPlacement {
        if head.status == 206, offset > 0, rangeStart(head) == offset { return .append(at: offset) }
        if head.status == 200 { return .rewrite }
        return .reject
    }

    /// The top of the loop: the file is complete, longer than announced (start over), or goes on.
    private mutating func next() -> Action {
        if let expectedSize, partialSize == expectedSize { return end(.finished(partialSize)) }
        if let expectedSize, partialSize > expectedSize { return truncate(thenRetry: nil) }
        return request()
    }

    /// Redirects are followed without counting as failures, up to `maxRedirects` in all.
    private mutating func follow(_ target: URL) -> Action {
        redirects += 1
        guard redirects <= maxRedirects else {
            return end(.fail(.unexpectedResponse(what: "downloading \(file)", detail: "too many redirects")))
        }
        url = target
        return next()
    }

    /// A body was written from `start`. A transfer that ended cleanly is the server's whole copy:
    /// of another size than announced, that is a size mismatch, not something to retry.
    private mutating func bodyEnded(_ head: HTTPResponseHead, start: Int64, failure: String?) -> Action {
        let served = Self.totalSize(head, offset: start)
        if expectedSize == nil { expectedSize = served }
        if partialSize > longest {
            longest = partialSize
            failures = 0
        }
        if let failure { return retry(failure) }
        // No size anywhere: the end of the body is the end of the file.
        guard let expectedSize, partialSize != expectedSize else { return end(.finished(partialSize)) }
        if partialSize > expectedSize || (served == partialSize && served != expectedSize) {
            return end(.discardAndFail(.sizeMismatch(file: file, expected: expectedSize, actual: partialSize)))
        }
        return retry("the body ended at \(partialSize) of \(expectedSize) bytes")
    }

    /// An answer whose body was not written: retried, after dropping a partial file that cannot be
    /// continued, unless the status says retrying is pointless.
    private mutating func refused(_ head: HTTPResponseHead, requestedFrom offset: Int64) -> Action {
        if head.status == 416 && offset > 0 {
            // Our partial file does not fit the server's copy: start over.
            return truncate(thenRetry: "range \(offset)- not satisfiable")
        }
        guard RetryPolicy.isTransient(status: head.status) || (200...299).contains(head.status) else {
            return end(.fail(statusError(head)))
        }
        // A range we did not ask for: drop the partial file rather than splice it.
        if head.status == 206 { return truncate(thenRetry: "HTTP 206") }
        return retry("HTTP \(head.status)")
    }

    private mutating func retry(_ problem: String) -> Action {
        failures += 1
        guard failures < policy.attempts else {
            let detail = "\(problem) from \(HubAPI.origin(url))"
            return end(.fail(.network(what: "downloading \(file)", attempts: failures, detail: detail)))
        }
        awaiting = .wait
        return .wait(policy.backoff(afterFailure: failures), problem: problem)
    }

    private mutating func request() -> Action {
        awaiting = .transfer(from: partialSize)
        return .request(url, rangeFrom: partialSize)
    }

    private mutating func truncate(thenRetry problem: String?) -> Action {
        awaiting = .truncation(thenRetry: problem)
        return .truncateAndRestart
    }

    private mutating func end(_ action: Action) -> Action {
        awaiting = .nothing
        return action
    }

    /// The full size from `Content-Range: bytes a-b/total`, else `Content-Length` (+ the offset on 206).
    private static func totalSize(_ head: HTTPResponseHead, offset: Int64) -> Int64? {
        if let range = head["Content-Range"], let total = range.split(separator: "/").last.flatMap({ Int64($0) }) {
            return total
        }
        guard let length = head["Content-Length"].flatMap({ Int64($0) }) else { return nil }
        return head.status == 206 ? offset + length : length
    }

    /// `Content-Range: bytes 100-999/1000` → 100.
    private static func rangeStart(_ head: HTTPResponseHead) -> Int64? {
        guard let range = head["Content-Range"], range.hasPrefix("bytes ") else { return nil }
        return range.dropFirst(6).split(separator: "-").first.flatMap { Int64($0) }
    }
}
