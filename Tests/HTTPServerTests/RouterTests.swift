// Exact-path routing, HEAD via GET, and the JSON 404/405 answers.

import Testing

@testable import HTTPServer

@Suite struct RouterTests {
    private var router: Router {
        var router = Router()
        router.add("GET", "/health") { _, _ in HTTPResponse(status: .ok, body: Array("ok".utf8)) }
        router.add("POST", "/score") { request, _ in HTTPResponse(status: .ok, body: request.body) }
        return router
    }

    private func call(_ method: String, _ target: String, body: [UInt8] = []) async -> HTTPResponse {
        await router.handle(
            HTTPRequest(method: method, target: target, body: body), context: .detached(logger: quietLogger))
    }

    @Test func routesByPathIgnoringQuery() async {
        #expect(await call("GET", "/health?probe=1").body == Array("ok".utf8))
        #expect(await call("POST", "/score", body: [1, 2]).body == [1, 2])
    }

    @Test func headUsesGetRoute() async {
        #expect(await call("HEAD", "/health").status == .ok)
    }

    @Test func unknownPathIs404JSON() async {
        let response = await call("GET", "/nope")
        #expect(response.status.code == 404)
        #expect(response.headers["content-type"] == "application/json")
    }

    @Test func wrongMethodIs405WithAllow() async {
        let response = await call("DELETE", "/health")
        #expect(response.status.code == 405)
        #expect(response.headers["allow"] == "GET, HEAD")
        #expect(await call("GET", "/score").headers["allow"] == "POST")
    }
}
