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
        async let received = server.runUntilShutdownSignal([SIGUSR2])
        try await Task.sleep(for: .milliseconds(100))
        kill(getpid(), SIGUSR2)
        #expect(await received == SIGUSR2)
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
