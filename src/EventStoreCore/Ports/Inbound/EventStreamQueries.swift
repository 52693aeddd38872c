public import Logging

/// Following a topic as a stream (the data plane's live read): catch-up from an offset, then every event as it is
/// appended.
public protocol EventStreamQueries: Sendable {
    /// Checks a stream before it starts: its filter, its start, and that the topic is attached and ready.
    /// - Throws: `EventStoreError.invalidArgument`, `.topicNotFound`, or the topic's failure.
    func check(_ query: EventStreamQuery) throws(EventStoreError)

    /// Follows `query.topic` from `query.from`, handing `deliver` each page of matching events in offset order (no gap,
    /// no duplicate at the switch from catch-up to live), `.heartbeat` after `query.heartbeat` without one, and `.end`
    /// when the topic is deleted. Returns after `.end`, or at once when a graceful shutdown begins.
    /// - Throws: `EventStoreError.invalidArgument` for a bad filter, `.topicNotFound` (before anything is delivered),
    ///   storage errors, and what `deliver` throws (which ends the stream).
    func streamEvents(_ query: EventStreamQuery, logger: Logger, deliver: @Sendable (EventStreamItem) async throws -> Void) async throws
}

/// What a stream follows.
public struct EventStreamQuery: Sendable {
    public var topic: TopicName
    /// The first offset to deliver.
    public var from: Int64
    public var filter: EventFilter
    /// How long a stream may go without delivering before it says it is alive.
    public var heartbeat: Duration

    public init(topic: TopicName, from: Int64, filter: EventFilter, heartbeat: Duration) {
        self.topic = topic
        self.from = from
        self.filter = filter
        self.heartbeat = heartbeat
    }
}

/// One thing a stream delivers.
public enum EventStreamItem: Sendable {
    /// Matching events, in offset order.
    case events([Event])
    /// Nothing new for a while; the stream is alive.
    case heartbeat
    /// The topic was deleted; nothing follows.
    case end
}
