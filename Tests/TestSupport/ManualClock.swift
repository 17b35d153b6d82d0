// The one hand-moved clock of the tests: time moves only when `advance` is called. It is the
// batcher's clock (alarms due by then fire on the advancing thread) and, through `seconds`, the
// monotonic seconds the Hub's progress reporter reads.
import Batching
import Dispatch
import Synchronization

public final class ManualClock: BatchingClock {
    private let start: ContinuousClock.Instant
    private let state: Mutex<(now: ContinuousClock.Instant, alarms: [ManualAlarm])>

    public init(start: ContinuousClock.Instant = .now) {
        self.start = start
        state = Mutex((start, []))
    }

    public var now: ContinuousClock.Instant { state.withLock { $0.now } }

    /// Seconds since the clock was made, as a closure for code that takes `() -> Double`.
    public var seconds: @Sendable () -> Double {
        { [self] in (now - start).secondsValue }
    }

    public func makeAlarm(_ fire: @escaping @Sendable () -> Void) -> any BatchingAlarm {
        let alarm = ManualAlarm(fire, clock: self)
        state.withLock { $0.alarms.append(alarm) }
        return alarm
    }

    public func advance(by duration: Duration) {
        let (now, alarms) = state.withLock { state in
            state.now += duration
            return (state.now, state.alarms)
        }
        for alarm in alarms { alarm.fireIfDue(now: now) }
    }
}

public final class ManualAlarm: BatchingAlarm {
    private let state: Mutex<(instant: ContinuousClock.Instant?, fire: (@Sendable () -> Void)?)>
    private unowned let clock: ManualClock

    init(_ fire: @escaping @Sendable () -> Void, clock: ManualClock) {
        state = Mutex((nil, fire))
        self.clock = clock
    }

    public func set(_ instant: ContinuousClock.Instant?) {
        state.withLock { $0.instant = instant }
        // Already due: fire, but never inside `set` (the caller holds its lock).
        if let instant, instant <= clock.now {
            DispatchQueue.global().async { self.fireIfDue(now: self.clock.now) }
        }
    }

    public func invalidate() { state.withLock { $0 = (nil, nil) } }

    func fireIfDue(now: ContinuousClock.Instant) {
        let fire = state.withLock { state -> (@Sendable () -> Void)? in
            guard let instant = state.instant, instant <= now else { return nil }
            state.instant = nil
            return state.fire
        }
        fire?()
    }
}

extension Duration {
    fileprivate var secondsValue: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
