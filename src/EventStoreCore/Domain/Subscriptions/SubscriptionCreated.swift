/// A new subscription and the secret its callbacks are signed with (shown only here).
public struct SubscriptionCreated: Sendable {
    public var subscription: SubscriptionInfo
    public var secret: SigningSecret

    public init(subscription: SubscriptionInfo, secret: SigningSecret) {
        self.subscription = subscription
        self.secret = secret
    }
}
