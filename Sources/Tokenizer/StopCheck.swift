// Cooperative stopping for long texts: the stages report how much work they did (about one unit
// per scalar they looked at) and every `interval` units the caller's stop condition is polled, so
// a request whose deadline passed or whose task was cancelled stops part-way through a 4 MB text.
// It decides nothing itself; with `Failure == Never` (`.never`) it never stops and callers need no
// `try`, which is how the plain `encode` runs the same code.

struct StopCheck<Failure: Error> {
    /// Work units between two polls: a few thousand scalars, well under a millisecond of work.
    static var interval: Int { 4_096 }

    private let poll: () throws(Failure) -> Void
    private var remaining: Int

    /// `poll` throws to stop the work; it is called once every `interval` units.
    init(poll: @escaping () throws(Failure) -> Void) {
        self.poll = poll
        self.remaining = Self.interval
    }

    /// Counts `work` units, polling once the interval is used up.
    @inline(__always)
    mutating func record(_ work: Int = 1) throws(Failure) {
        remaining -= work
        if remaining <= 0 { try pollNow() }
    }

    /// Polls at once (before starting, say) and starts a new interval.
    mutating func pollNow() throws(Failure) {
        remaining = Self.interval
        try poll()
    }
}

extension StopCheck where Failure == Never {
    /// Never stops: for callers that cannot be cancelled.
    static var never: StopCheck<Never> { StopCheck(poll: {}) }
}
