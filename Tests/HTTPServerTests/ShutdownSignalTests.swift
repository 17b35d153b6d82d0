// Signal-driven shutdown: a signal source fires the drain. Uses SIGUSR2 so the test runner's
// own SIGTERM/SIGINT handling is untouched.

import Glibc
import TestSupport
import Testing

@testable import HTTPServer

@Suite(.serialized) struct ShutdownSignalTests {
    @Test func signalTriggersDrain() async throws {
        let server = HTTPServer(configuration: testConfiguration(), handler: TestHandler(), logger: quietLogger)
        let port = try server.start()
        // The watcher is installed when `runUntilShutdownSignal` gets to run, which on a loaded machine
        // can be long after any fixed sleep: a signal sent before then would kill the runner (default
        // action) or be lost (ignored, no source yet) and hang the test. So ignore it up front and send
        // it until the watcher has seen one.
        signal(SIGUSR2, SIG_IGN)
        let sender = Task {
            while !Task.isCancelled {
                kill(getpid(), SIGUSR2)
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        let received = await server.runUntilShutdownSignal([SIGUSR2])
        sender.cancel()
        #expect(received == SIGUSR2)
        #expect(server.isDraining)
        #expect(try await offPool { (try? LoopbackClient(port: port)) == nil })
    }

    @Test func shutdownIsIdempotent() async throws {
        let server = HTTPServer(configuration: testConfiguration(), handler: TestHandler(), logger: quietLogger)
        _ = try server.start()
        async let first: Void = server.shutdown()
        async let second: Void = server.shutdown()
        _ = await (first, second)
        await server.shutdown()
        #expect(server.openConnections == 0)
        #expect(throws: HTTPServerError.alreadyStarted) { try server.start() }
    }
}
