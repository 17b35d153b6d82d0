// Time for the driver: the current instant and one re-armable alarm. The system clock is
// ContinuousClock with a Dispatch timer; tests substitute a manual clock that they advance.
import Dispatch

/// Where the `Batcher` reads the time and how it is woken at an instant (a deadline, or the end of
/// a `maxBatchDelay` wait).
public protocol BatchingClock: Sendable {
    var now: ContinuousClock.Instant { get }
    /// Makes an alarm that calls `fire` once the clock reaches the instant it was last set to.
    func makeAlarm(_ fire: @escaping @Sendable () -> Void) -> any BatchingAlarm
}

/// A one-shot alarm that can be re-set. `fire` runs on the alarm's own thread or queue, never
/// inside `set`, so callers may set it while holding a lock that `fire` takes.
public protocol BatchingAlarm: Sendable {
    /// Replaces any earlier setting; `nil` disarms. An instant already past fires promptly.
    func set(_ instant: ContinuousClock.Instant?)
    /// Disarms for good and releases `fire`.
    func invalidate()
}

/// `ContinuousClock` time; alarms are Dispatch timers on a private serial queue.
public struct SystemBatchingClock: BatchingClock {
    public init() {}

    public var now: ContinuousClock.Instant { .now }

    public func makeAlarm(_ fire: @escaping @Sendable () -> Void) -> any BatchingAlarm {
        DispatchTimerAlarm(fire)
    }
}

/// `@unchecked Sendable`: a Dispatch timer source may be rescheduled and cancelled from any thread
/// (libdispatch synchronises it); the reference itself never changes.
final class DispatchTimerAlarm: BatchingAlarm, @unchecked Sendable {
    private let timer: any DispatchSourceTimer

    init(_ fire: @escaping @Sendable () -> Void) {
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "batching.alarm"))
        timer.setEventHandler(handler: fire)
        timer.schedule(deadline: .distantFuture)
        timer.activate()
    }

    func set(_ instant: ContinuousClock.Instant?) {
        guard let instant else {
            timer.schedule(deadline: .distantFuture)
            return
        }
        // DispatchTime counts on its own clock; convert through the remaining duration.
        let remaining = max(.zero, instant - ContinuousClock.now)
        let (seconds, attoseconds) = remaining.components
        // Rounded up: firing a nanosecond early would only re-arm, but there is no need to.
        let nanoseconds =
            min(seconds, Int64(Int.max / 1_000_000_000) - 1) * 1_000_000_000 + (attoseconds + 999_999_999)
            / 1_000_000_000
        timer.schedule(deadline: .now() + .nanoseconds(Int(nanoseconds)), leeway: .milliseconds(1))
    }

    func invalidate() { timer.cancel() }
}
