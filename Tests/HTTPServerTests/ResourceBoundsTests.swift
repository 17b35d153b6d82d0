// What no client can do to the server's memory and slots: pipeline without reading, hold many
// uploads open, or shut its sending side and go unanswered. Loopback, bounded in time and size.

import Foundation
import Glibc
import TestSupport
import Testing

@testable import HTTPServer

@Suite struct ResourceBoundsTests {
    @Test func aClientThatPipelinesWithoutReadingCannotGrowTheServersOutput() async throws {
        let configuration = testConfiguration { $0.maxUnsentBytesPerConnection = 64 * 1024 }
        try await withServer(configuration) { server, port in
            let client = try LoopbackClient(port: port)
            // 20 KB answers: 200,000 of them would be 4 GB if the server kept reading.
            let request = Array("GET /big?bytes=20000 HTTP/1.1\r\nHost: t\r\n\r\n".utf8)
            var requests: [UInt8] = []
            for _ in 0..<200_000 { requests += request }
            let sent = client.sendWithoutBlocking(requests)
            // Settled: every request taken in is answered and the answers wait for the client. Then
            // watch the output held for a while: it never passes the bound.
            #expect(waitUntil { server.requestsInHandlers == 0 && server.bufferedBytes > 0 })
            var held = 0
            let watchUntil = ContinuousClock.now + .milliseconds(300)
            while ContinuousClock.now < watchUntil {
                held = max(held, server.bufferedBytes)
                usleep(2000)
            }
            // The bound: the per-connection output cap plus the answers already in flight when it
            // was reached (one pipeline's worth, twice for the round that crossed it).
            let bound = 64 * 1024 + 2 * configuration.maxPipelinedRequests * 20_200
            #expect(held <= bound, "server holds \(held) bytes of output after \(sent) request bytes")
            #expect(sent < requests.count, "the server stopped reading, so the client's sends filled up")
            #expect(try client.readResponse().status == 200)
        }
    }

    @Test func uploadsBeyondTheBudgetAre503FromTheirHeadUnread() async throws {
        let configuration = testConfiguration {
            $0.maxBufferedBytes = 1_000_000
            $0.limits.maxBodyBytes = 1_000_000
        }
        try await withServer(configuration) { server, port in
            let holder = try LoopbackClient(port: port)
            try holder.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 600000\r\n\r\nabc")
            #expect(waitUntil { server.bufferedBytes >= 600_000 }, "the announced body is reserved")
            let late = try LoopbackClient(port: port)
            try late.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 600000\r\n\r\n")
            let response = try late.readOneResponse()
            #expect(response.status == 503, "no 100 Continue first: \(response.statusLine)")
            #expect(response.headers["retry-after"] == "1")
            #expect(response.headers["connection"] == "close")
            // A request without a body still fits.
            let small = try LoopbackClient(port: port)
            try small.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try small.readResponse().status == 200)
            holder.abort()
            #expect(waitUntil { server.bufferedBytes == 0 }, "a closed connection gives its reservation back")
        }
    }

    @Test func aHalfClosedClientIsAnswered() async throws {
        try await withServer { _, port in
            let client = try LoopbackClient(port: port)
            // The last answer takes 300 ms, so the server has read the half-close before it is sent
            // (an answer sent before the server reads it cannot say `Connection: close`).
            try client.send(
                "GET /health HTTP/1.1\r\nHost: t\r\n\r\nPOST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi"
                    + "GET /slow?ms=300 HTTP/1.1\r\nHost: t\r\n\r\n")
            client.halfClose()
            let first = try client.readResponse()
            #expect(first.status == 200)
            let second = try client.readResponse()
            #expect(second.text == "hi")
            let last = try client.readResponse()
            #expect(last.text == "slow")
            #expect(last.headers["connection"] == "close")
            #expect(try client.readsEOF())
        }
    }
}
