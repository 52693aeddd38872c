public import Logging

/// Delivers subscription callbacks (the webhook adapter).
public protocol CallbackSender: Sendable {
    /// Checks a callback URL's destination against the delivery policy; called before a subscription starts.
    /// - Throws: `EventStoreError.callbackRefused` naming the rule that forbids it.
    func checkDestination(_ url: CallbackURL, logger: Logger) async throws(EventStoreError)

    /// Makes one delivery attempt. Never throws: every way an attempt can end is an outcome.
    func deliver(_ callback: Callback, logger: Logger) async -> CallbackOutcome
}

/// One batch of a subscription's events, ready to be sent.
public struct Callback: Sendable {
    /// Identifies the batch; the same on every retry of it, so receivers can drop a redelivery.
    public var messageID: String
    public var subscriptionID: SubscriptionID
    public var topic: TopicName
    public var url: CallbackURL
    public var secret: SigningSecret
    /// In offset order; never empty.
    public var events: [Event]
    /// Where delivery continues after this batch is acknowledged.
    public var nextOffset: Int64
    /// How long one attempt may take, connecting included.
    public var timeout: Duration

    public init(
        messageID: String,
        subscriptionID: SubscriptionID,
        topic: TopicName,
        url: CallbackURL,
        secret: SigningSecret,
        events: [Event],
        nextOffset: Int64,
        timeout: Duration
    ) {
        self.messageID = messageID
        self.subscriptionID = subscriptionID
        self.topic = topic
        self.url = url
        self.secret = secret
        self.events = events
        self.nextOffset = nextOffset
        self.timeout = timeout
    }
}

/// How a delivery attempt ended.
public enum CallbackOutcome: Sendable, Hashable {
    /// The receiver answered 2xx: the batch is acknowledged.
    case delivered
    /// The receiver answered 410 Gone: it wants no more callbacks.
    case gone
    /// Anything else (another status, a redirect, a timeout, a refused connection or destination); worth a retry.
    /// `retryAfter` is the receiver's `Retry-After`, when it sent one with a 429 or 503.
    case failed(reason: String, retryAfter: Duration?)
}
