// Plumbing for the download loop tests: response heads by kind, a scripted server's replies, and a
// driver that runs the loop as `FileDownloader` does against a simulated partial file. No sockets,
// no files, no clock.
import Foundation
import Testing

@testable import Hub

extension HTTPResponseHead {
    static func status(_ code: Int, _ fields: [String: String] = [:]) -> HTTPResponseHead {
        HTTPResponseHead(status: code, fields: fields)
    }

    /// A 200 with the whole file; `length` nil sends no Content-Length.
    static func whole(_ length: Int64?) -> HTTPResponseHead {
        .status(200, length.map { ["Content-Length": "\($0)"] } ?? [:])
    }

    /// The 206 for `bytes=start-` of a `total`-byte file.
    static func ranged(from start: Int64, total: Int64) -> HTTPResponseHead {
        .status(206, ["Content-Range": "bytes \(start)-\(total - 1)/\(total)", "Content-Length": "\(total - start)"])
    }

    static func redirect(to location: String) -> HTTPResponseHead { .status(302, ["Location": location]) }
}

/// What a simulated server sends for one GET: a head (or none) and how many body bytes arrive.
struct SimulatedReply {
    var head: HTTPResponseHead?
    var bytes: Int64 = 0
    var failure: String?

    /// A server holding `size` bytes answering a GET from `offset`: a 206 for a range (a 200 when it
    /// ignores Range), the body cut after `cut` bytes when given.
    static func serving(size: Int64, from offset: Int64, cut: Int64? = nil, ignoringRange: Bool = false) -> Self {
        let start = ignoringRange ? 0 : offset
        let head: HTTPResponseHead = start > 0 ? .ranged(from: start, total: size) : .whole(size)
        let remaining = size - start
        guard let cut, cut < remaining else { return Self(head: head, bytes: remaining) }
        return Self(head: head, bytes: cut, failure: "transfer closed with \(remaining - cut) bytes remaining")
    }
}

extension DownloadLoop {
    /// Runs the loop against `server` (given the URL and the range start of each GET), writing bodies
    /// into a simulated partial file where `placement` says. Returns every action up to the last one,
    /// or records an issue when the loop has not ended after `limit` actions.
    mutating func simulate(limit: Int = 100, server: (URL, Int64) -> SimulatedReply) -> [Action] {
        var size = partialSize
        var actions: [Action] = []
        var action = start()
        while actions.count < limit {
            actions.append(action)
            switch action {
            case .request(let url, let offset):
                let reply = server(url, offset)
                let start = reply.head.flatMap { Self.bodyStart(Self.placement(of: $0, requestedFrom: offset)) }
                if let start { size = start + reply.bytes }
                action = received(
                    Transfer(head: reply.head, bodyStart: start, partialSize: size, failure: reply.failure))
            case .truncateAndRestart:
                size = 0
                action = truncated()
            case .wait:
                action = waited()
            case .finished, .fail, .discardAndFail:
                return actions
            }
        }
        Issue.record("the download loop did not end within \(limit) actions")
        return actions
    }

    private static func bodyStart(_ placement: BodyPlacement) -> Int64? {
        switch placement {
        case .append(let offset): offset
        case .rewrite: 0
        case .reject: nil
        }
    }
}
