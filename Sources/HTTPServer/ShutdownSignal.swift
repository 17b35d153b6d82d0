// SIGTERM/SIGINT → graceful shutdown, through Dispatch signal sources (no async-signal-unsafe
// work in a C handler). The executable owns when to listen; tests call `shutdown()` directly.

import Dispatch
import Glibc

/// Watches termination signals and calls `onSignal` (on a Dispatch queue) for each delivery.
/// While it exists, the default action (terminate) is disabled for those signals.
public final class ShutdownSignal: @unchecked Sendable {
    // @unchecked: the sources are created in init and only cancelled afterwards; Dispatch
    // sources are thread-safe.
    private let sources: [any DispatchSourceSignal]

    public init(
        signals: [Int32] = [SIGTERM, SIGINT], queue: DispatchQueue = .global(),
        onSignal: @escaping @Sendable (Int32) -> Void
    ) {
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { onSignal(number) }
            source.resume()
            return source
        }
    }

    /// Stops watching. The signals stay ignored; restore them yourself if needed.
    public func cancel() {
        for source in sources { source.cancel() }
    }

    /// Suspends until one of `signals` arrives; returns its number.
    public static func wait(for signals: [Int32] = [SIGTERM, SIGINT]) async -> Int32 {
        let box = SignalBox()
        return await withCheckedContinuation { continuation in
            box.watch(signals: signals, continuation: continuation)
        }
    }
}

/// Resumes the continuation on the first signal only.
private final class SignalBox: @unchecked Sendable {
    // @unchecked: `watcher` and `resumed` are touched only on `queue`.
    private let queue = DispatchQueue(label: "http.shutdown-signal")
    private var watcher: ShutdownSignal?
    private var resumed = false

    func watch(signals: [Int32], continuation: CheckedContinuation<Int32, Never>) {
        queue.sync {
            watcher = ShutdownSignal(signals: signals, queue: queue) { [self] number in
                guard !resumed else { return }
                resumed = true
                watcher?.cancel()
                continuation.resume(returning: number)
            }
        }
    }
}

extension HTTPServer {
    /// Waits for SIGTERM or SIGINT, then drains (see `shutdown()`). Returns the signal number.
    @discardableResult
    public func runUntilShutdownSignal(_ signals: [Int32] = [SIGTERM, SIGINT]) async -> Int32 {
        let number = await ShutdownSignal.wait(for: signals)
        await shutdown()
        return number
    }
}
