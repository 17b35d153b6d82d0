// Cancellation hooks handed to handlers.

import Synchronization
import Testing

@testable import HTTPServer

@Suite struct RequestContextTests {
    @Test func callbacksRunOnceOnCancel() {
        let context = RequestContext(logger: quietLogger)
        let calls = Mutex(0)
        context.onCancel { calls.withLock { $0 += 1 } }
        context.onCancel { calls.withLock { $0 += 10 } }
        #expect(!context.isCancelled)
        context.cancellation.cancel()
        context.cancellation.cancel()
        #expect(context.isCancelled)
        #expect(calls.withLock { $0 } == 11)
    }

    @Test func callbackRegisteredAfterCancelRunsAtOnce() {
        let context = RequestContext(logger: quietLogger)
        context.cancellation.cancel()
        let ran = Mutex(false)
        context.onCancel { ran.withLock { $0 = true } }
        #expect(ran.withLock { $0 })
    }

    @Test func detachedContextIsNeverCancelled() {
        #expect(!RequestContext.detached(logger: quietLogger).isCancelled)
    }
}
