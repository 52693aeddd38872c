import EventJSON
import EventStoreCore

extension JSONWriter {
    /// `{"id", "topic", "callback_url", "types", "key", "batch_size", "from", "created_at", "state", "cursor",
    /// "position", "lag", "delivered", "consecutive_failures", "last_error"}`, plus `"secret"` when given (only in
    /// the answer to a subscribe).
    mutating func subscription(_ subscription: SubscriptionInfo, secret: SigningSecret? = nil) {
        self.raw("{")
        self.key("id")
        self.string(subscription.id.description)
        self.raw(",")
        self.key("topic")
        self.string(subscription.topic.rawValue)
        self.raw(",")
        self.key("callback_url")
        self.string(subscription.callbackURL.masked)
        self.raw(",")
        self.key("types")
        self.stringArray(subscription.filter.types)
        self.raw(",")
        self.key("key")
        self.optionalString(subscription.filter.keys.first)
        self.raw(",")
        self.key("batch_size")
        self.int(subscription.batchSize)
        self.raw(",")
        self.key("from")
        self.int(subscription.from)
        self.raw(",")
        self.key("created_at")
        self.timestamp(subscription.createdAt)
        self.raw(",")
        self.key("state")
        self.string(subscription.state.description)
        self.raw(",")
        self.key("cursor")
        self.optionalInt(subscription.cursor)
        self.raw(",")
        self.key("position")
        self.int(subscription.position)
        self.raw(",")
        self.key("lag")
        self.int(subscription.lag)
        self.raw(",")
        self.key("delivered")
        self.int(subscription.delivered)
        self.raw(",")
        self.key("consecutive_failures")
        self.int(subscription.consecutiveFailures)
        self.raw(",")
        self.key("last_error")
        self.optionalString(subscription.lastError)
        if let secret {
            self.raw(",")
            self.key("secret")
            self.string(secret.description)
        }
        self.raw("}")
    }
}
