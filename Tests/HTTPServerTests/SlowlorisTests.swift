// 200 connections dribbling partial headers must not slow a normal request, and must be
// answered 408 and closed at the header timeout.

import Foundation
import TestSupport
import Testing

@testable import HTTPServer

@Suite(.serialized) struct SlowlorisTests {
    @Test func dribblingConnectionsDoNotDelayOthersAndAreClosedAtHeaderTimeout() async throws {
        let headerTimeout = Duration.seconds(1)
        let configuration = testConfiguration { $0.timeouts.header = headerTimeout }
        try await withServer(configuration) { server, port in
            let normal = try LoopbackClient(port: port)
            let baseline = try timedRequest(normal)

            let start = ContinuousClock.now
            let loris = try (0..<200).map { _ in try LoopbackClient(port: port) }
            for client in loris { try client.send("GET / HTTP/1.1\r\nHost: t\r\nX-Slow: ") }
            var latencies: [Duration] = []
            for _ in 0..<12 {  // ~600 ms of dribbling, well inside the header timeout
                for client in loris { try client.send("a") }
                latencies.append(try timedRequest(normal))
                pause(.milliseconds(50))
            }
            let worst = latencies.max() ?? .zero
            #expect(worst < baseline + .milliseconds(100), "worst \(worst), baseline \(baseline)")

            for client in loris {
                #expect(try client.readResponse().status == 408)
                #expect(try client.readsEOF())
            }
            let elapsed = ContinuousClock.now - start
            #expect(elapsed >= headerTimeout - .milliseconds(50))
            #expect(elapsed < headerTimeout + .milliseconds(700), "closed after \(elapsed)")
            #expect(try timedRequest(normal) < .milliseconds(100))
            _ = server
        }
    }

    private func timedRequest(_ client: LoopbackClient) throws -> Duration {
        let start = ContinuousClock.now
        try client.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
        let response = try client.readResponse()
        #expect(response.status == 200)
        return ContinuousClock.now - start
    }
}
