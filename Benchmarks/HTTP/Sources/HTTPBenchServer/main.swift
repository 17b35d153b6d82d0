// A minimal server on the HTTPServer module for load checks: GET /health answers "ok"
// (text/plain, like a Hummingbird hello-world), anything else 404. Runs until SIGTERM/SIGINT.
//   http-bench-server [port]    (0 or absent: ephemeral; the bound port is printed)

import HTTPServer
import Logging

struct HealthHandler: HTTPHandler {
    func handle(_ request: HTTPRequest, context: RequestContext) async -> HTTPResponse {
        guard request.path == "/health" else {
            return HTTPResponse(status: .notFound, body: Array("no route for \(request.path)".utf8))
        }
        return HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain; charset=utf-8"], body: Array("ok".utf8))
    }
}

let port = Int(CommandLine.arguments.dropFirst().first ?? "0") ?? 0
var logger = Logger(label: "http-bench-server")
logger.logLevel = .warning
let server = HTTPServer(
    configuration: HTTPServerConfiguration(host: "127.0.0.1", port: port), handler: HealthHandler(), logger: logger)
let bound = try server.start()
print("listening on \(bound)")
await server.runUntilShutdownSignal()
