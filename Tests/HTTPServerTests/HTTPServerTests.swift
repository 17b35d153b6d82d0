// The server over real loopback sockets with a raw client: keep-alive, pipelining, HTTP/1.0,
// chunked upload, HEAD, errors, timeouts, the connection cap, cancellation and drain.

import Foundation
import TestSupport
import Testing

@testable import HTTPServer

@Suite(.serialized) struct HTTPServerTests {
    @Test func keepAliveServesManyRequestsOnOneConnection() async throws {
        try await withServer { server, port in
            let client = try LoopbackClient(port: port)
            for _ in 0..<200 {
                try client.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
                let response = try client.readResponse()
                #expect(response.status == 200)
                #expect(response.text == "ok")
            }
            #expect(server.openConnections == 1)
        }
    }

    /// A TLS ClientHello, NUL bytes or binary junk get 400 and a close from their first bytes: with a
    /// header timeout far beyond the client's 10 s read timeout, only an immediate answer passes.
    @Test(arguments: notHTTPOpenings)
    func aConnectionThatCannotStartARequestGets400AndCloseAtOnce(_ opening: [UInt8]) async throws {
        let configuration = testConfiguration { $0.timeouts.header = .seconds(600) }
        try await withServer(configuration) { _, port in
            let client = try LoopbackClient(port: port)
            try client.send(opening)
            let response = try client.readResponse()
            #expect(response.status == 400)
            #expect(try client.readsEOF())
        }
    }

    @Test func everyResponseCarriesDateServerAndContentLength() async throws {
        try await withServer { _, port in
            let client = try LoopbackClient(port: port)
            try client.send("GET /nowhere HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 404)
            #expect(response.headers["server"] == "reward-server")
            #expect(response.headers["date"]?.hasSuffix(" GMT") == true)
            #expect(response.headers["content-length"] == "\(response.body.count)")
            #expect(response.headers["connection"] == nil)
        }
    }

    @Test func threePipelinedRequestsInOneWrite() async throws {
        try await withServer { _, port in
            let client = try LoopbackClient(port: port)
            try client.send(
                "GET /slow?ms=150 HTTP/1.1\r\nHost: t\r\n\r\n"
                    + "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 6\r\n\r\nsecond"
                    + "GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try client.readResponse().text == "slow")
            #expect(try client.readResponse().text == "second")
            #expect(try client.readResponse().text == "ok")
        }
    }

    @Test func http10WithoutKeepAliveCloses() async throws {
        try await withServer { _, port in
            let client = try LoopbackClient(port: port)
            try client.send("GET /health HTTP/1.0\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.statusLine == "HTTP/1.0 200 OK")
            #expect(response.headers["connection"] == "close")
            #expect(try client.readsEOF())
        }
    }

    @Test func http10WithKeepAliveStaysOpen() async throws {
        try await withServer { _, port in
            let client = try LoopbackClient(port: port)
            for _ in 0..<3 {
                try client.send("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
                let response = try client.readResponse()
                #expect(response.statusLine == "HTTP/1.0 200 OK")
                #expect(response.headers["connection"] == "keep-alive")
            }
        }
    }

    @Test func connectionCloseIsHonoured() async throws {
        try await withServer { _, port in
            let client = try LoopbackClient(port: port)
            try client.send("GET /health HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            #expect(try client.readResponse().headers["connection"] == "close")
            #expect(try client.readsEOF())
        }
    }

    @Test func chunkedUpload() async throws {
        try await withServer { _, port in
            let client = try LoopbackClient(port: port)
            try client.send(
                "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n6;x=y\r\npedia \r\n"
                    + "E\r\nin \r\n\r\nchunks.\r\n0\r\nTrailer: ignored\r\n\r\n")
            #expect(try client.readResponse().text == "Wikipedia in \r\n\r\nchunks.")
        }
    }

    @Test func headGetsLengthWithoutBody() async throws {
        try await withServer { _, port in
            let client = try LoopbackClient(port: port)
            try client.send("HEAD /health HTTP/1.1\r\nHost: t\r\n\r\nGET /health HTTP/1.1\r\nHost: t\r\n\r\n")
            let head = try client.readResponse(toHead: true)
            #expect(head.headers["content-length"] == "2")
            let next = try client.readResponse()
            #expect(next.statusLine == "HTTP/1.1 200 OK")  // no stray body bytes before it
            #expect(next.text == "ok")
        }
    }

    @Test func expectContinueGetsInterimResponse() async throws {
        try await withServer { _, port in
            let client = try LoopbackClient(port: port)
            try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
            #expect(try client.readOneResponse(toHead: true).status == 100)
            try client.send("hello")
            #expect(try client.readResponse().text == "hello")
        }
    }

    @Test func malformedRequestGetsTheHandlersError400AndClose() async throws {
        try await withServer { _, port in
            let client = try LoopbackClient(port: port)
            try client.send(
                "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
                    + "GET /smuggled HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 400)
            #expect(response.headers["content-type"] == "application/json")
            #expect(response.headers["connection"] == "close")
            #expect(response.headers["x-formatted-by"] == "test-handler")
            #expect(try client.readsEOF())
        }
    }

    @Test(arguments: [HTTPLimits(), hostileSmallLimits])
    func hostileCatalogueOverRealSockets(limits: HTTPLimits) async throws {
        try await withServer(testConfiguration { $0.limits = limits }) { _, port in
            for entry in hostileCatalogue where entry.limits == limits {
                let client = try LoopbackClient(port: port)
                try client.send(entry.input)
                let response = try client.readResponse()
                #expect(response.status == entry.error.status.code, "\(entry.name)")
                #expect(response.headers["connection"] == "close", "\(entry.name)")
                #expect(try client.readsEOF(), "\(entry.name)")
            }
        }
    }

    @Test func slowHandlerDoesNotStallOtherConnections() async throws {
        try await withServer { server, port in
            let slow = try LoopbackClient(port: port)
            try slow.send("GET /slow?ms=2000 HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(waitUntil { server.requestsInHandlers == 1 })
            let fast = try LoopbackClient(port: port)
            try fast.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try fast.readResponse().status == 200)
            #expect(!slow.hasBytesWaiting(), "answered while the slow handler still runs")
            #expect(try slow.readResponse().text == "slow")
        }
    }

    @Test func bodyTimeoutAnswers408() async throws {
        let configuration = testConfiguration { $0.timeouts.body = .milliseconds(200) }
        try await withServer(configuration) { _, port in
            let client = try LoopbackClient(port: port)
            try client.send("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc")
            let response = try client.readResponse()
            #expect(response.status == 408)
            #expect(try client.readsEOF())
        }
    }

    @Test func idleConnectionIsClosed() async throws {
        let configuration = testConfiguration { $0.timeouts.idle = .milliseconds(200) }
        try await withServer(configuration) { server, port in
            let client = try LoopbackClient(port: port)
            try client.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
            _ = try client.readResponse()
            #expect(try client.readsEOF())
            #expect(waitUntil { server.openConnections == 0 })
        }
    }

    @Test func clientThatNeverReadsIsDroppedAtWriteTimeout() async throws {
        let configuration = testConfiguration { $0.timeouts.write = .milliseconds(300) }
        try await withServer(configuration) { server, port in
            let client = try LoopbackClient(port: port)
            // Far more than loopback socket buffers hold, so the server's writes stall.
            try client.send("GET /big?bytes=64000000 HTTP/1.1\r\nHost: t\r\n\r\n")
            // Dropped at the write timeout; without it the connection would stay open for good.
            #expect(waitUntil(timeout: .seconds(10)) { server.openConnections == 0 })
            _ = client
        }
    }

    @Test func connectionCapAnswers503AndClosesWhenNobodyIsIdle() async throws {
        try await withServer(testConfiguration { $0.maxConnections = 2 }) { server, port in
            let first = try LoopbackClient(port: port)
            let second = try LoopbackClient(port: port)
            try first.send("GET /slow?ms=3000 HTTP/1.1\r\nHost: t\r\n\r\n")
            try second.send("GET /slow?ms=3000 HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(waitUntil { server.requestsInHandlers == 2 })
            let third = try LoopbackClient(port: port)
            try third.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
            let response = try third.readResponse()
            #expect(response.status == 503)
            #expect(response.headers["x-formatted-by"] == "test-handler")
            #expect(response.headers["connection"] == "close")
            #expect(try third.readsEOF())
        }
    }

    @Test func nearTheCapTheLongestIdleConnectionMakesRoom() async throws {
        try await withServer(testConfiguration { $0.maxConnections = 2 }) { _, port in
            let first = try LoopbackClient(port: port)
            try first.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
            _ = try first.readResponse()
            let second = try LoopbackClient(port: port)
            try second.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
            _ = try second.readResponse()
            let third = try LoopbackClient(port: port)
            try third.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(try third.readResponse().status == 200)
            #expect(try first.readsEOF(), "the oldest idle keep-alive connection is closed")
        }
    }

    @Test func aResetClientHasItsRequestCancelled() async throws {
        let handler = TestHandler()
        try await withServer(handler: handler) { server, port in
            let client = try LoopbackClient(port: port)
            try client.send("GET /wait-for-cancel?id=gone HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(waitUntil { server.requestsInHandlers == 1 })
            client.abort()
            #expect(waitUntil { !handler.cancellations.all.isEmpty })
            #expect(handler.cancellations.all == ["/wait-for-cancel?id=gone"])
        }
    }

    @Test func shutdownDrainsInFlightAndClosesIdle() async throws {
        let server = HTTPServer(configuration: testConfiguration(), handler: TestHandler(), logger: quietLogger)
        let port = try server.start()
        let (idle, busy) = try await offPool {
            let idle = try LoopbackClient(port: port)
            try idle.send("GET /health HTTP/1.1\r\nHost: t\r\n\r\n")
            _ = try idle.readResponse()
            let busy = try LoopbackClient(port: port)
            try busy.send("GET /slow?ms=1000 HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(waitUntil { server.requestsInHandlers == 1 })
            return (idle, busy)
        }
        let start = ContinuousClock.now
        async let drained: Void = server.shutdown()
        let response = try await offPool {
            #expect(waitUntil { server.isDraining })
            #expect(try idle.readsEOF())
            #expect((try? LoopbackClient(port: port)) == nil, "still accepting during drain")
            return try busy.readResponse()
        }
        #expect(response.text == "slow")
        #expect(response.headers["connection"] == "close")
        await drained
        // The drain ends when the last request is answered, not at the 25 s drain timeout.
        #expect(ContinuousClock.now - start < .seconds(20))
        #expect(server.activeConnections == 0)
    }

    @Test func shutdownGivesUpAtDrainTimeoutAndCancels() async throws {
        let handler = TestHandler()
        let configuration = testConfiguration { $0.drainTimeout = .milliseconds(200) }
        let server = HTTPServer(configuration: configuration, handler: handler, logger: quietLogger)
        let port = try server.start()
        let client = try await offPool {
            let client = try LoopbackClient(port: port)
            try client.send("GET /wait-for-cancel?id=stuck HTTP/1.1\r\nHost: t\r\n\r\n")
            #expect(waitUntil { server.requestsInHandlers == 1 })
            return client
        }
        // The handler never finishes by itself: shutdown returns only because the drain gives up.
        await server.shutdown()
        try await offPool { () throws in
            #expect(waitUntil { !handler.cancellations.all.isEmpty })
            #expect(handler.cancellations.all == ["/wait-for-cancel?id=stuck"])
            #expect(try client.readsEOF())
        }
    }
}
