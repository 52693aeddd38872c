/// What the service knows about an attached topic.
public struct TopicInfo: Sendable, Hashable {
    /// The configuration with secrets redacted.
    public var configuration: TopicConfiguration
    public var state: TopicState
    /// The offset the next event gets; nil when the storage could not be asked.
    public var head: Int64?
    /// How many events the topic holds; nil when the storage could not be asked.
    public var eventCount: Int64?

    public init(configuration: TopicConfiguration, state: TopicState, head: Int64?, eventCount: Int64?) {
        self.configuration = configuration
        self.state = state
        self.head = head
        self.eventCount = eventCount
    }
}
