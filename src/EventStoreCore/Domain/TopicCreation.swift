/// The outcome of creating a topic.
public struct TopicCreation: Sendable, Hashable {
    /// False when an identical configuration was already attached (an idempotent repeat).
    public var created: Bool
    public var topic: TopicInfo

    public init(created: Bool, topic: TopicInfo) {
        self.created = created
        self.topic = topic
    }
}
