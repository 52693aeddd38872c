/// A read of a topic's events.
public struct EventQuery: Sendable, Hashable {
    public var topic: TopicName
    /// The first offset to examine (inclusive).
    public var from: Int64
    /// The most events to return.
    public var limit: Int
    public var filter: EventFilter
    /// When nothing matches yet, how long to wait for matching events to be appended (a long poll); nil answers at
    /// once.
    public var wait: Duration?

    public init(topic: TopicName, from: Int64 = 0, limit: Int = 100, filter: EventFilter = .all, wait: Duration? = nil) {
        self.topic = topic
        self.from = from
        self.limit = limit
        self.filter = filter
        self.wait = wait
    }
}
