// The server against the clients it will meet: curl and Python's http.client / requests.
// These tests need `curl` and `python3` on PATH (CI installs them) and fail with a clear
// message when they are missing.

import Foundation
import Testing

@testable import HTTPServer

@Suite(.serialized) struct RealClientTests {
    @Test func curlPosts5KBWithExpectContinueAndGetsContinue() async throws {
        try await withServer { _, port in
            let body = Data(repeating: UInt8(ascii: "a"), count: 5 * 1024)
            // curl waits up to 1 s for `100 Continue` before sending anyway; we must answer at once.
            guard
                let run = try runExternal(
                    "curl",
                    [
                        "-sSv", "-o", "/dev/null", "-H", "Expect: 100-continue", "--data-binary", "@-",
                        "-w", "%{http_code} %{size_download} %{time_total}", "http://127.0.0.1:\(port)/echo",
                    ], stdin: body)
            else { return }
            let fields = run.stdout.split(separator: " ")
            #expect(run.status == 0, "\(run.stderr)")
            #expect(fields.first == "200")
            #expect(fields.dropFirst().first == "5120")
            // curl would send the body anyway after waiting 1 s; its trace shows the server said go on.
            #expect(run.stderr.contains("< HTTP/1.1 100 Continue"), "\(run.stderr)")
        }
    }

    /// curl speaking https:// to the plain-HTTP port: its ClientHello gets the 400 at once, so the
    /// handshake fails (exit 35, not curl's timeout 28) long before the 600 s header timeout.
    @Test func curlSpeakingTLSToThePlainPortFailsAtOnce() async throws {
        let configuration = testConfiguration { $0.timeouts.header = .seconds(600) }
        try await withServer(configuration) { _, port in
            guard
                let run = try runExternal(
                    "curl", ["-sS", "-k", "--max-time", "10", "https://127.0.0.1:\(port)/health"])
            else { return }
            #expect(run.status == 35, "\(run.stderr)")
        }
    }

    @Test func curlChunkedUpload() async throws {
        try await withServer { _, port in
            let body = Data((0..<20_000).map { UInt8(truncatingIfNeeded: $0 % 251) })
            guard
                let run = try runExternal(
                    "curl",
                    [
                        "-sS", "-H", "Transfer-Encoding: chunked", "--data-binary", "@-", "-o", "/dev/null",
                        "-w", "%{http_code} %{size_download}", "http://127.0.0.1:\(port)/echo",
                    ], stdin: body)
            else { return }
            #expect(run.stdout == "200 20000", "\(run.stderr)")
        }
    }

    @Test func curlHead() async throws {
        try await withServer { _, port in
            guard let run = try runExternal("curl", ["-sS", "-I", "http://127.0.0.1:\(port)/health"]) else { return }
            #expect(run.stdout.hasPrefix("HTTP/1.1 200 OK"))
            #expect(run.stdout.lowercased().contains("content-length: 2"))
            #expect(run.stdout.lowercased().contains("date: "))
        }
    }

    @Test func curlHTTP10WithAndWithoutKeepAlive() async throws {
        try await withServer { _, port in
            let url = "http://127.0.0.1:\(port)/health"
            guard let plain = try runExternal("curl", ["-sS", "-i", "--http1.0", url]) else { return }
            #expect(plain.stdout.hasPrefix("HTTP/1.0 200 OK"))
            #expect(plain.stdout.contains("Connection: close"))
            // Two URLs in one curl run reuse the connection only if the server keeps it alive.
            guard
                let kept = try runExternal(
                    "curl",
                    [
                        "-sS", "-v", "-o", "/dev/null", "-o", "/dev/null", "--http1.0", "-H", "Connection: keep-alive",
                        url, url,
                    ])
            else { return }
            #expect(kept.stderr.contains("Connection: keep-alive"))
            #expect(
                kept.stderr.contains("Re-using existing") || kept.stderr.contains("Reusing existing"), "\(kept.stderr)")
        }
    }

    @Test func pythonHTTPClientThousandRequestsOnOneConnection() async throws {
        let script = """
            import http.client, sys, time
            conn = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]), timeout=5)
            conn.connect()
            local = conn.sock.getsockname()
            start = time.time()
            for i in range(1000):
                if i % 2:
                    conn.request("POST", "/echo", body=b"x" * i)
                else:
                    conn.request("GET", "/health")
                response = conn.getresponse()
                data = response.read()
                assert response.status == 200, response.status
                assert len(data) == (i if i % 2 else 2), (i, len(data))
                assert conn.sock is not None and conn.sock.getsockname() == local, "reconnected at %d" % i
            print("ok %.3f" % (time.time() - start))
            """
        try await withServer { _, port in
            guard let run = try runExternal("python3", ["-c", script, "\(port)"]) else { return }
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.hasPrefix("ok "), "\(run.stdout) \(run.stderr)")
        }
    }

    @Test func pythonRequestsSessionKeepsOneConnection() async throws {
        let script = """
            import sys
            try:
                import requests
            except ImportError:
                print("missing requests"); sys.exit(3)
            session = requests.Session()
            for i in range(100):
                r = session.post("http://127.0.0.1:%s/echo" % sys.argv[1], data=b"y" * 100)
                assert r.status_code == 200 and len(r.content) == 100
            print("ok")
            """
        try await withServer { server, port in
            guard let run = try runExternal("python3", ["-c", script, "\(port)"]) else { return }
            #expect(
                run.status == 0,
                "python3 requests failed (apt-get install python3-requests): \(run.stdout) \(run.stderr)")
            #expect(server.openConnections <= 1)
        }
    }
}
