import EventStoreCore
import Hummingbird

/// Checks each request's bearer token against the route's requirement (``AccessRules``) and tells the handlers who
/// called (on a public route too, when a valid token comes along). Topics a token may not use answer 404, as if
/// they did not exist. Tokens are never logged.
struct AuthorizationMiddleware<Context: CallerRequestContext>: RouterMiddleware {
    let policy: AccessPolicy

    func handle(
        _ request: Request,
        context: Context,
        next: @concurrent (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let tokens = self.policy.tokens else { return try await next(request, context) }
        let requirement = AccessRules.requirement(method: request.method, endpoint: context.endpointPath ?? "NotFound", policy: self.policy)
        if requirement == .everyone {
            var context = context
            context.caller = request.headers[.authorization].flatMap { Self.presentedToken($0) }.flatMap { tokens.caller(presenting: $0) }
            return try await next(request, context)
        }
        guard let header = request.headers[.authorization] else {
            throw APIProblem.unauthorized("this request needs a bearer token")
        }
        guard let token = Self.presentedToken(header), let caller = tokens.caller(presenting: token) else {
            throw APIProblem.unauthorized("the bearer token is not valid", error: "invalid_token")
        }
        if case .role(let role) = requirement, caller.role < role {
            throw APIProblem.forbidden("this request needs the \(role.rawValue) role; the token has \(caller.role.rawValue)")
        }
        if let text = context.parameters.get("topic"), let topic = try? TopicName(text), !caller.mayUse(topic) {
            throw EventStoreError(.topicNotFound, "topic '\(topic)' does not exist")
        }
        var context = context
        context.caller = caller
        return try await next(request, context)
    }

    /// The token of an `Authorization: Bearer <token>` header.
    private static func presentedToken(_ header: String) -> Substring? {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        return parts[1].drop { $0 == " " }
    }
}
