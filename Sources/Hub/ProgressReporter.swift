// Download progress. On a terminal: one line per file redrawn in place (bytes, rate, ETA).
// Otherwise (a log collector, CI): log lines at the start, about every 10 % or 5 s, and the end.
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// How far one file's download has come, for whoever shows the start-up state (the service's /ready).
public struct DownloadProgress: Sendable, Equatable {
    public var file: String
    public var bytesDone: Int64
    /// Nil while the size is unknown.
    public var bytesTotal: Int64?

    public init(file: String, bytesDone: Int64, bytesTotal: Int64?) {
        self.file = file
        self.bytesDone = bytesDone
        self.bytesTotal = bytesTotal
    }
}

/// Told every change of a download's progress; must be quick (it runs on the transfer's queue).
public typealias DownloadObserver = @Sendable (DownloadProgress) -> Void

/// Where progress goes; `.automatic` picks the terminal line when stderr is a terminal.
enum ProgressOutput: Sendable {
    case automatic
    case terminal(@Sendable (String) -> Void)
    case log

    static func standardErrorLine(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}

final class ProgressReporter: Sendable {
    private struct State {
        var done: Int64
        var total: Int64?
        var transferred: Int64 = 0
        var lastDraw: Double = -.infinity
        var lastLog: Double
        var nextPercentStep: Int64 = 10
    }

    private let file: String
    private let logger: Logger
    private let draw: (@Sendable (String) -> Void)?
    private let now: @Sendable () -> Double
    private let observer: DownloadObserver?
    private let start: Double
    private let state: Mutex<State>

    /// `now`: seconds on a monotonic clock (injectable so tests can drive the schedule).
    init(
        file: String, total: Int64?, alreadyDone: Int64, output: ProgressOutput, logger: Logger,
        observer: DownloadObserver? = nil, now: @escaping @Sendable () -> Double = ProgressReporter.monotonicSeconds
    ) {
        self.file = file
        self.logger = logger
        self.now = now
        self.observer = observer
        switch output {
        case .automatic:
            if isatty(STDERR_FILENO) == 1 {
                draw = { @Sendable text in ProgressOutput.standardErrorLine(text) }
            } else {
                draw = nil
            }
        case .terminal(let write):
            draw = write
        case .log:
            draw = nil
        }
        start = now()
        state = Mutex(State(done: alreadyDone, total: total, lastLog: start))
        var message = "downloading \(file)"
        if let total { message += " (\(Self.bytes(total)))" }
        if alreadyDone > 0 { message += ", resuming at \(Self.bytes(alreadyDone))" }
        if draw == nil { logger.info("\(message)") }
        let alreadyDoneState = state.withLock { $0 }
        if draw != nil { redraw(alreadyDoneState, at: start) }
        notify(alreadyDoneState)
    }

    /// The size became known only from the GET (no size in the HEAD answer).
    func setTotal(_ total: Int64) {
        notify(
            state.withLock { state in
                state.total = total
                return state
            })
    }

    /// The server ignored our Range and sends the whole file again.
    func restart() {
        notify(
            state.withLock { state in
                state.done = 0
                state.nextPercentStep = 10
                return state
            })
    }

    func advance(by count: Int) {
        let time = now()
        let (current, snapshot): (State, State?) = state.withLock { state in
            state.done += Int64(count)
            state.transferred += Int64(count)
            return (state, Self.dueSnapshot(&state, at: time, drawing: draw != nil))
        }
        notify(current)
        guard let snapshot else { return }
        if draw != nil {
            redraw(snapshot, at: time)
        } else {
            logger.info("\(file): \(describe(snapshot, at: time))")
        }
    }

    /// The state to show now, or nil when the last line or redraw is recent enough.
    private static func dueSnapshot(_ state: inout State, at time: Double, drawing: Bool) -> State? {
        if drawing {
            guard time - state.lastDraw >= 0.2 else { return nil }
            state.lastDraw = time
            return state
        }
        var due = time - state.lastLog >= 5
        if let total = state.total, total > 0 {
            let percent = state.done * 100 / total
            if percent >= state.nextPercentStep {
                due = true
                state.nextPercentStep = (percent / 10 + 1) * 10
            }
            if state.done >= total { due = false }  // the end has its own line
        }
        guard due else { return nil }
        state.lastLog = time
        return state
    }

    private func notify(_ state: State) {
        observer?(DownloadProgress(file: file, bytesDone: state.done, bytesTotal: state.total))
    }

    func finish() {
        let time = now()
        let snapshot = state.withLock { $0 }
        let elapsed = max(time - start, 0)
        if let draw {
            redraw(snapshot, at: time)
            draw("\n")
        }
        var message = "downloaded \(file) (\(Self.bytes(snapshot.done))"
        if snapshot.transferred > 0, elapsed > 0 {
            message += " in \(Self.duration(elapsed)), \(Self.bytes(Int64(Double(snapshot.transferred) / elapsed)))/s"
        }
        logger.info("\(message))")
    }

    private func redraw(_ snapshot: State, at time: Double) {
        draw?("\r\u{1B}[K\(file)  \(describe(snapshot, at: time))")
    }

    private func describe(_ snapshot: State, at time: Double) -> String {
        var text = Self.bytes(snapshot.done)
        if let total = snapshot.total {
            text += " / \(Self.bytes(total))"
            if total > 0 { text += " (\(snapshot.done * 100 / total)%)" }
        }
        let elapsed = time - start
        guard elapsed > 0, snapshot.transferred > 0 else { return text }
        let rate = Double(snapshot.transferred) / elapsed
        text += ", \(Self.bytes(Int64(rate)))/s"
        if let total = snapshot.total, total > snapshot.done {
            text += ", ETA \(Self.duration(Double(total - snapshot.done) / rate))"
        }
        return text
    }

    @Sendable static func monotonicSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// Decimal units, one decimal place: `527.1 kB`, `438.0 MB`.
    static func bytes(_ count: Int64) -> String {
        if count < 1000 { return "\(count) B" }
        let units = ["kB", "MB", "GB", "TB"]
        var value = Double(count) / 1000
        var unit = 0
        while value >= 999.95, unit < units.count - 1 {
            value /= 1000
            unit += 1
        }
        return String(format: "%.1f", value) + " " + units[unit]
    }

    /// `7s`, `3m05s`, `2h04m`, to the nearest second.
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "?" }
        let whole = Int(seconds.rounded())
        if whole < 60 { return "\(whole)s" }
        if whole < 3600 { return String(format: "%dm%02ds", whole / 60, whole % 60) }
        return String(format: "%dh%02dm", whole / 3600, (whole % 3600) / 60)
    }
}
