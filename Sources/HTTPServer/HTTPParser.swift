// A pure, byte-fed HTTP/1.1 request parser (RFC 9112). It owns framing and syntax only:
// bytes go in through `feed`, typed events come out of `next`. No file descriptors, clocks or
// allocations beyond the request being built; every size is capped by `HTTPLimits`.
// After an error it stays failed: later bytes are never read as a new request.

/// A request's head: what is known before its body is read.
public struct HTTPRequestHead: Hashable, Sendable {
    public enum BodyFraming: Hashable, Sendable {
        case none
        case contentLength(Int)
        case chunked
    }

    public var method: String
    public var target: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    /// `Expect: 100-continue` on an HTTP/1.1 request (RFC 9110 §10.1.1; ignored for 1.0).
    public var expectsContinue: Bool
    public var framing: BodyFraming

    /// The target without its query.
    public var path: String {
        guard let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) else { return target }
        return String(target[..<mark])
    }

    /// Whether a body follows the head.
    public var announcesBody: Bool { framing != .none }
}

struct HTTPParser: Sendable {
    enum Event: Hashable, Sendable {
        /// The head is complete; the body (if any) follows. Emitted once per request.
        case head(HTTPRequestHead)
        case request(HTTPRequest)
        /// Terminal: answer with `error.status` and close.
        case error(HTTPParseError)
    }

    /// Where the parser is within the current request, for choosing a timeout.
    enum Phase: Equatable {
        case idle, head, body, failed
    }

    enum State: Hashable {
        case requestLine
        case headerLines
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case complete
        case failed
    }

    let limits: HTTPLimits
    var state: State = .requestLine
    var buffer: [UInt8] = []
    /// First byte not yet consumed.
    var index = 0
    /// Bytes after `index` already searched for LF without finding one.
    var scannedAhead = 0
    /// Header or trailer bytes consumed so far in the current section.
    var sectionBytes = 0
    var head: HTTPRequestHead?
    var partial = PartialHead()
    var body: [UInt8] = []

    struct PartialHead: Hashable {
        var method = ""
        var target = ""
        var version = HTTPVersion.http1_1
        var fields: [HTTPField] = []
    }

    init(limits: HTTPLimits) {
        self.limits = limits
    }

    /// Bytes received and not yet consumed by a completed event.
    var bufferedByteCount: Int { buffer.count - index }

    var phase: Phase {
        switch state {
        case .failed: .failed
        case .requestLine: bufferedByteCount == 0 ? .idle : .head
        case .headerLines: .head
        case .fixedBody, .chunkSize, .chunkData, .chunkDataEnd, .trailers, .complete: .body
        }
    }

    mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        guard state != .failed else { return }
        compact()
        buffer.append(contentsOf: bytes)
    }

    mutating func feed(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { feed($0) }
    }

    /// The next event, or nil when more bytes are needed (or after an error was returned).
    mutating func next() -> Event? {
        while true {
            let step: Step
            switch state {
            case .failed: return nil
            case .requestLine: step = parseRequestLine()
            case .headerLines: step = parseHeaderLine()
            case .fixedBody(let remaining): step = readFixedBody(remaining)
            case .chunkSize: step = parseChunkSize()
            case .chunkData(let remaining): step = readChunkData(remaining)
            case .chunkDataEnd: step = readChunkDataEnd()
            case .trailers: step = parseTrailerLine()
            case .complete: step = .emit(.request(finishRequest()))
            }
            switch step {
            case .continue: continue
            case .needMore: return nil
            case .emit(let event): return event
            case .fail(let error):
                state = .failed
                buffer = []
                index = 0
                return .error(error)
            }
        }
    }

    enum Step {
        case `continue`, needMore
        case emit(Event)
        case fail(HTTPParseError)
    }

    private mutating func compact() {
        if index == buffer.count {
            // Keep a small buffer for the next request; give back what a large body grew.
            buffer.removeAll(keepingCapacity: buffer.capacity <= 64 * 1024)
            index = 0
        } else if index > 4096 && index * 2 > buffer.count {
            buffer.removeSubrange(0..<index)
            index = 0
        }
    }

    private mutating func finishRequest() -> HTTPRequest {
        let done =
            head
            ?? HTTPRequestHead(
                method: "", target: "", version: .http1_1, headers: [:], expectsContinue: false, framing: .none)
        let request = HTTPRequest(
            method: done.method, target: done.target, version: done.version, headers: done.headers, body: body)
        head = nil
        body = []
        state = .requestLine
        compact()
        return request
    }
}

// MARK: - Lines

extension HTTPParser {
    enum LineResult {
        case line(Range<Int>)
        case needMore
        case fail(HTTPParseError)
    }

    /// Finds the next CRLF-terminated line starting at `index` and consumes it (CRLF included).
    /// A line (without CRLF) longer than `limit` fails with `overflow`; bare CR, bare LF and
    /// NUL fail wherever they appear in the line.
    mutating func nextLine(limit: Int, overflow: HTTPParseError) -> LineResult {
        let start = index
        let found: Int? = buffer.withUnsafeBufferPointer { bytes in
            var position = start + scannedAhead
            while position < bytes.count {
                if bytes[position] == UInt8(ascii: "\n") { return position }
                position += 1
            }
            return nil
        }
        guard let lf = found else {
            scannedAhead = buffer.count - start
            // One byte of slack: a trailing CR may be the first half of the terminator.
            return scannedAhead > limit + 1 ? .fail(overflow) : .needMore
        }
        scannedAhead = 0
        // Length first, so the outcome does not depend on how the bytes were split.
        if lf - start > limit + 1 { return .fail(overflow) }
        guard lf > start, buffer[lf - 1] == UInt8(ascii: "\r") else { return .fail(.bareLineFeed) }
        let end = lf - 1
        if end - start > limit { return .fail(overflow) }
        if let error = scanForForbiddenBytes(start..<end) { return .fail(error) }
        index = lf + 1
        return .line(start..<end)
    }

    private func scanForForbiddenBytes(_ range: Range<Int>) -> HTTPParseError? {
        buffer.withUnsafeBufferPointer { bytes in
            for position in range {
                let byte = bytes[position]
                if byte == UInt8(ascii: "\r") { return .bareCarriageReturn }
                if byte == 0 { return .nulByte }
            }
            return nil
        }
    }

    func string(_ range: Range<Int>) -> String {
        buffer.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[range]), as: UTF8.self) }
    }
}
