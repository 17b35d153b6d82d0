// The threads that run the server's handler tasks. Handlers prefer this executor over the global
// concurrency pool, so request handling never waits for pool threads that other work holds (long
// synchronous work elsewhere in the process, or, in tests, other tests). Jobs run in arrival order
// on a fixed set of threads; after `close()` any late job still runs, on a thread of its own.

import Foundation
import Synchronization

final class HandlerExecutor: TaskExecutor, Sendable {
    private struct State {
        var jobs: [UnownedJob] = []
        var head = 0
        var closed = false
    }

    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    private let threadCount: Int

    init(threads: Int, name: String) {
        threadCount = max(1, threads)
        for index in 0..<threadCount {
            let thread = Thread { [self] in work() }
            thread.name = "\(name).\(index)"
            thread.start()
        }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let accepted = state.withLock { state in
            guard !state.closed else { return false }
            state.jobs.append(job)
            return true
        }
        if accepted {
            wake.signal()
        } else {
            Thread { job.runSynchronously(on: self.asUnownedTaskExecutor()) }.start()
        }
    }

    /// Lets the threads finish the queued jobs and exit.
    func close() {
        state.withLock { $0.closed = true }
        for _ in 0..<threadCount { wake.signal() }
    }

    private enum Next {
        case run(UnownedJob)
        case exit
        case wait
    }

    private func work() {
        while true {
            wake.wait()
            switch next() {
            case .run(let job): job.runSynchronously(on: asUnownedTaskExecutor())
            case .exit: return
            case .wait: continue
            }
        }
    }

    private func next() -> Next {
        state.withLock { state in
            guard state.head < state.jobs.count else { return state.closed ? .exit : .wait }
            let job = state.jobs[state.head]
            state.head += 1
            if state.head == state.jobs.count {
                state.jobs.removeAll(keepingCapacity: state.jobs.count <= 1024)
                state.head = 0
            }
            return .run(job)
        }
    }
}
