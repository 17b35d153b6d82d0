// How often a failed request is tried again and how long to wait in between.

struct RetryPolicy: Sendable {
    /// Attempts in a row that may fail before giving up (a download that made progress starts
    /// counting again, as huggingface_hub's `http_get` does).
    var attempts: Int
    var initialBackoff: Duration
    var maxBackoff: Duration

    static let standard = RetryPolicy(attempts: 5, initialBackoff: .milliseconds(500), maxBackoff: .seconds(8))

    /// Doubling waits: 0.5 s, 1 s, 2 s, … capped at `maxBackoff`.
    func backoff(afterFailure failure: Int) -> Duration {
        var delay = initialBackoff
        for _ in 1..<max(failure, 1) where delay < maxBackoff { delay = delay * 2 }
        return min(delay, maxBackoff)
    }

    /// A status worth retrying: the server or something in front of it is overloaded or restarting.
    static func isTransient(status: Int) -> Bool {
        status == 408 || status == 429 || (500...599).contains(status)
    }
}
