// Exact-path routing by method for the service's fixed routes. HEAD is served by the GET route (the
// encoder sends no body for HEAD). It only matches: the 404 and 405 answers come from the error table.
import HTTPServer

struct Router: Sendable {
    typealias Handler = @Sendable (ServiceState, HTTPRequest, RequestContext) async -> HTTPResponse

    /// A route, by what must be checked before its body is read and where it runs.
    enum Route: Sendable {
        /// Needs the API key (when set), a ready service and a JSON body: checked from the head, the
        /// early failures answered in the route's API's error shape (`.native` for ours; CompatOpenRLHF,
        /// CompatVLLM, … for the others).
        case scoring(ErrorDialect, Handler)
        /// Open to probes and scrapers; runs as a task.
        case operational(Handler)
        /// Answered on the event loop from the head (probes: they must answer even when every
        /// worker thread is busy).
        case immediate(@Sendable (ServiceState) -> HTTPResponse)
    }

    enum Match {
        case route(Route)
        case notFound
        case methodNotAllowed(allow: String)
    }

    private var routes: [String: [String: Route]] = [:]

    /// Registers `route` for `method` (e.g. "GET") on the exact `path` (no query).
    mutating func add(_ method: String, _ path: String, _ route: Route) {
        routes[path, default: [:]][method] = route
    }

    func match(method: String, path: String) -> Match {
        guard let methods = routes[path] else { return .notFound }
        if let route = methods[method] ?? (method == "HEAD" ? methods["GET"] : nil) { return .route(route) }
        var allowed = Set(methods.keys)
        if allowed.contains("GET") { allowed.insert("HEAD") }
        return .methodNotAllowed(allow: allowed.sorted().joined(separator: ", "))
    }
}
