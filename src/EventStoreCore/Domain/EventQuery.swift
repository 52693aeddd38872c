/// A read of a topic's events.
public struct EventQuery: Sendable, Hashable {
    public var topic: TopicName
    /// The first offset to examine (inclusive).
    public var from: Int64
    /// The most events to return.
    public var limit: Int
    public var filter: EventFilter

    public init(topic: TopicName, from: Int64 = 0, limit: Int = 100, filter: EventFilter = .all) {
        self.topic = topic
        self.from = from
        self.limit = limit
        self.filter = filter
    }
}
