// 200 connections dribbling partial headers: normal requests are still answered meanwhile, and
// every dribbler is answered 408 and closed once the header timeout has passed (not before). How
// fast is the attack script's question (Scripts/attack.py), not this test's.

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
            let start = ContinuousClock.now
            let loris = try (0..<200).map { _ in try LoopbackClient(port: port) }
            for client in loris { try client.send("GET / HTTP/1.1\r\nHost: t\r\nX-Slow: ") }
            for _ in 0..<5 {
                for client in loris { try client.send("a") }
                try request(normal)
            }
            for client in loris {
                #expect(try client.readResponse().status == 408)
                #expect(try client.readsEOF())
            }
            #expect(ContinuousClock.now - start >= headerTimeout - .milliseconds(50), "closed early")
            try request(normal)
            #expect(waitUntil { server.openConnections == 1 })
        }
    }

    private func request(_ client: LoopbackClient) throws {
        try client.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
        #expect(try client.readResponse().status == 200)
    }
}
