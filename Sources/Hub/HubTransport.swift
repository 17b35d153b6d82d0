// One URLSession (libcurl on Linux) that never follows redirects by itself, so the caller
// decides per hop whether the Authorization header may go along. Bodies are either collected
// (API answers) or streamed to a consumer as they arrive (file downloads), and a transfer cut off
// midway still reports how many bytes reached the consumer.
import Foundation
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Status and header fields of one response; names are looked up ignoring case.
struct HTTPResponseHead: Sendable {
    let status: Int
    private let fields: [String: String]

    init(status: Int, fields: [String: String]) {
        self.status = status
        var lowered: [String: String] = [:]
        for (name, value) in fields { lowered[name.lowercased()] = value }
        self.fields = lowered
    }

    init(_ response: HTTPURLResponse) {
        var fields: [String: String] = [:]
        for (name, value) in response.allHeaderFields {
            if let name = name as? String, let value = value as? String { fields[name] = value }
        }
        self.init(status: response.statusCode, fields: fields)
    }

    subscript(name: String) -> String? { fields[name.lowercased()] }

    var isRedirect: Bool { [301, 302, 303, 307, 308].contains(status) && self["Location"] != nil }
}

/// Receives a streamed body on the session's serial delegate queue.
protocol BodyConsumer: AnyObject, Sendable {
    /// Called once with the response head; false means "collect this body in memory instead"
    /// (an error page, a redirect).
    func accept(_ head: HTTPResponseHead) -> Bool
    func consume(_ data: Data) throws
}

struct TransportOutcome: Sendable {
    var head: HTTPResponseHead?
    /// The collected body (empty when it was streamed to a consumer).
    var body = Data()
    /// Set when the transfer failed: no connection, a timeout, a connection closed midway, or the
    /// consumer's own error (disk full).
    var failure: String?
    var consumerError: HubError?
}

final class HubTransport: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    /// Per-task state, touched only on the delegate queue and under `tasks`' lock.
    private final class TaskState: @unchecked Sendable {
        var outcome = TransportOutcome()
        var consumer: (any BodyConsumer)?
        var streaming = false
        var continuation: CheckedContinuation<TransportOutcome, Never>?
    }

    private static let collectLimit = 64 << 20
    private let tasks = Mutex<[Int: TaskState]>([:])
    private var session: URLSession!

    /// `idleTimeout`: seconds without a byte before a request fails.
    init(idleTimeout: TimeInterval) {
        super.init()
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = idleTimeout
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        let queue = OperationQueue()
        queue.maxConcurrentOperationCount = 1
        session = URLSession(configuration: configuration, delegate: self, delegateQueue: queue)
    }

    /// Breaks the session → delegate cycle; the transport is unusable afterwards.
    func invalidate() {
        session.finishTasksAndInvalidate()
    }

    func send(_ request: URLRequest, consumer: (any BodyConsumer)? = nil) async -> TransportOutcome {
        let task = session.dataTask(with: request)
        let state = TaskState()
        state.consumer = consumer
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                state.continuation = continuation
                tasks.withLock { $0[task.taskIdentifier] = state }
                task.resume()
            }
        } onCancel: {
            task.cancel()
        }
    }

    private func state(of task: URLSessionTask) -> TaskState? {
        tasks.withLock { $0[task.taskIdentifier] }
    }

    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @escaping (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        if let state = state(of: dataTask), let http = response as? HTTPURLResponse {
            let head = HTTPResponseHead(http)
            state.outcome.head = head
            state.streaming = state.consumer?.accept(head) ?? false
        }
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard let state = state(of: dataTask), state.outcome.consumerError == nil else { return }
        if state.streaming, let consumer = state.consumer {
            do {
                try consumer.consume(data)
            } catch {
                state.outcome.consumerError =
                    error as? HubError ?? .cache(path: "download", detail: error.localizedDescription)
                dataTask.cancel()
            }
        } else if state.outcome.body.count + data.count <= Self.collectLimit {
            state.outcome.body.append(data)
        } else {
            state.outcome.failure = "response larger than \(Self.collectLimit) bytes"
            dataTask.cancel()
        }
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        guard let state = tasks.withLock({ $0.removeValue(forKey: task.taskIdentifier) }) else { return }
        if let error, state.outcome.failure == nil, state.outcome.consumerError == nil {
            state.outcome.failure = Self.describe(error)
        }
        state.continuation?.resume(returning: state.outcome)
        state.continuation = nil
        state.consumer = nil
    }

    /// libcurl's own words are the useful part ("transfer closed with 700 bytes remaining").
    private static func describe(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError,
            let text = underlying.userInfo[NSLocalizedDescriptionKey] as? String
        {
            return text
        }
        if let text = nsError.userInfo[NSLocalizedDescriptionKey] as? String { return text }
        return "\(nsError.domain) error \(nsError.code)"
    }
}
