/// Whether requests need a bearer token, and which tokens there are.
public struct AccessPolicy: Sendable {
    /// nil when access control is off (loopback only, no tokens file): every request may do everything.
    public var tokens: AccessTokens?
    /// Whether `GET /health` needs a token (of any role).
    public var privateHealth: Bool
    /// Whether `GET /metrics` needs a token (of any role).
    public var privateMetrics: Bool

    public init(tokens: AccessTokens?, privateHealth: Bool = false, privateMetrics: Bool = false) {
        self.tokens = tokens
        self.privateHealth = privateHealth
        self.privateMetrics = privateMetrics
    }

    /// No access control.
    public static let open = AccessPolicy(tokens: nil)
}
