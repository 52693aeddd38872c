/// What a client asks for when it subscribes to a topic.
public struct SubscriptionRequest: Sendable, Hashable {
    public var topic: TopicName
    /// The first offset to deliver (inclusive).
    public var from: Int64
    /// Where batches are POSTed; not yet checked against the form rules of `CallbackURL`.
    public var callbackURL: String
    /// Which events are delivered; events it does not select are skipped.
    public var filter: EventFilter
    /// The most events in one callback; nil takes the service's default.
    public var batchSize: Int?
    /// Who subscribes (an access token's name); nil when access control is off.
    public var owner: String?

    public init(
        topic: TopicName,
        from: Int64 = 0,
        callbackURL: String,
        filter: EventFilter = .all,
        batchSize: Int? = nil,
        owner: String? = nil
    ) {
        self.topic = topic
        self.from = from
        self.callbackURL = callbackURL
        self.filter = filter
        self.batchSize = batchSize
        self.owner = owner
    }
}
