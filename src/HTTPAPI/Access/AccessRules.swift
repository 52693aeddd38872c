public import HTTPTypes

/// What each route needs: the one place that says which role may do what.
public enum AccessRules {
    /// What a request must present.
    public enum Requirement: Sendable, Equatable {
        /// Nothing: the route is public.
        case everyone
        /// A valid token of any role.
        case anyToken
        /// A valid token of at least this role.
        case role(Role)
    }

    /// The requirement of the route `endpoint` (its pattern, `/topics/{topic}/events`) for `method`. A route not
    /// listed here needs an admin; a path no route matches needs any token (to learn it is not there).
    public static func requirement(method: HTTPRequest.Method, endpoint: String, policy: AccessPolicy) -> Requirement {
        switch (method, endpoint) {
        case (.get, "/health/live"), (.get, "/openapi.yaml"), (.get, "/console"), (.get, "/console/{asset}"):
            .everyone
        case (.get, "/health"):
            policy.privateHealth ? .anyToken : .everyone
        case (.get, "/metrics"):
            policy.privateMetrics ? .anyToken : .everyone
        case (_, "NotFound"):
            .anyToken
        case (.get, "/topics"), (.get, "/topics/{topic}"), (.get, "/topics/{topic}/events"), (.get, "/topics/{topic}/events/{offset}"),
            (.get, "/topics/{topic}/events/stream"),
            (.post, "/topics/{topic}/subscribe"), (.get, "/topics/{topic}/subscriptions"), (.get, "/topics/{topic}/subscriptions/{id}"),
            (.delete, "/topics/{topic}/subscriptions/{id}"), (.get, "/topics/{topic}/projections"),
            (.get, "/topics/{topic}/projections/{name}"), (.get, "/topics/{topic}/projections/{name}/entries/{key}"):
            .role(.reader)
        case (.post, "/topics/{topic}/events"):
            .role(.writer)
        default:
            .role(.admin)
        }
    }
}
