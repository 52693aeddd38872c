public import Hummingbird

/// A request context that knows who sent the request (set by ``AuthorizationMiddleware``).
public protocol CallerRequestContext: RequestContext {
    /// The token's caller; nil when access control is off.
    var caller: Caller? { get set }
}

/// The request context of every route.
public struct EventStoreRequestContext: CallerRequestContext {
    public var coreContext: CoreRequestContextStorage
    public var caller: Caller?

    public init(source: Source) {
        self.coreContext = .init(source: source)
        self.caller = nil
    }
}
