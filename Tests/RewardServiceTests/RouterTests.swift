// Exact-path routing, HEAD via GET, and which routes are screened or answered from the head.

import HTTPServer
import Testing

@testable import RewardService

@Suite struct RouterTests {
    private var router: Router {
        var router = Router()
        router.add("GET", "/health", .immediate { _ in HTTPResponse(status: .ok) })
        router.add("POST", "/score", .scoring(.native) { _, request, _ in HTTPResponse(status: .ok, body: request.body) })
        return router
    }

    @Test func matchesExactPathsAndHeadViaGet() {
        guard case .route(let health) = router.match(method: "HEAD", path: "/health") else {
            Issue.record("HEAD /health did not match the GET route")
            return
        }
        guard case .immediate = health else {
            Issue.record("/health is not answered from the head")
            return
        }
        guard case .route(let score) = router.match(method: "POST", path: "/score"), case .scoring = score else {
            Issue.record("POST /score is not a screened scoring route")
            return
        }
    }

    @Test func unknownPathAndWrongMethod() {
        guard case .notFound = router.match(method: "GET", path: "/nope") else {
            Issue.record("expected notFound")
            return
        }
        guard case .methodNotAllowed(let allow) = router.match(method: "DELETE", path: "/health") else {
            Issue.record("expected methodNotAllowed")
            return
        }
        #expect(allow == "GET, HEAD")
        guard case .methodNotAllowed(let scoreAllow) = router.match(method: "GET", path: "/score") else {
            Issue.record("expected methodNotAllowed")
            return
        }
        #expect(scoreAllow == "POST")
    }
}
