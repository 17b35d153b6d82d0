// Exact-path routing by method, with the product's JSON 404 and 405 (+ Allow). HEAD is served
// by the GET route (the encoder sends no body for HEAD). No patterns: the service's routes are
// fixed paths.

public struct Router: HTTPHandler {
    public typealias Route = @Sendable (HTTPRequest, RequestContext) async -> HTTPResponse

    private var routes: [String: [String: Route]] = [:]

    public init() {}

    /// Registers `route` for `method` (e.g. "GET") on the exact `path` (no query).
    public mutating func add(_ method: String, _ path: String, _ route: @escaping Route) {
        routes[path, default: [:]][method] = route
    }

    public func handle(_ request: HTTPRequest, context: RequestContext) async -> HTTPResponse {
        let path = request.path
        guard let methods = routes[path] else {
            return .error(.notFound, type: "not_found", message: "no route for \(path)")
        }
        if let route = methods[request.method] ?? (request.method == "HEAD" ? methods["GET"] : nil) {
            return await route(request, context)
        }
        var allowed = Set(methods.keys)
        if allowed.contains("GET") { allowed.insert("HEAD") }
        return .error(
            .methodNotAllowed, type: "method_not_allowed", message: "\(request.method) is not allowed on \(path)",
            extraHeaders: ["Allow": allowed.sorted().joined(separator: ", ")])
    }
}
