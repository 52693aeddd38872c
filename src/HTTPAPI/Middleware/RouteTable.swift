public import HTTPTypes
import Synchronization

/// The routes the router serves, by path pattern, so a request for a known path with another method gets
/// 405 and an `Allow` header rather than 404.
public final class RouteTable: Sendable {
    private struct Route {
        var segments: [Substring]
        var method: HTTPRequest.Method
    }

    private let routes = Mutex<[Route]>([])

    public init() {}

    /// Records the router's routes; call once the router is complete.
    /// - Parameter routes: `(method, path pattern)` pairs, patterns in the `{name}` form.
    public func load(_ routes: [(method: HTTPRequest.Method, path: String)]) {
        let parsed = routes.map { Route(segments: $0.path.split(separator: "/"), method: $0.method) }
        self.routes.withLock { $0 = parsed }
    }

    /// The methods served for `path`, empty when no route matches it.
    public func allowedMethods(forPath path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/")
        return self.routes.withLock { routes in
            routes.filter { route in
                route.segments.count == segments.count
                    && zip(route.segments, segments).allSatisfy { pattern, segment in pattern.first == "{" || pattern == segment }
            }
            .map(\.method)
        }
    }
}
