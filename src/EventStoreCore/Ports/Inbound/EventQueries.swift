public import Logging

/// Reading events (the data plane's read side).
public protocol EventQueries: Sendable {
    /// Reads a page of events in offset order. With `query.wait`, an empty answer waits (up to that long) for
    /// matching events to be appended, and answers as soon as they are.
    /// - Throws: `EventStoreError.invalidArgument` for an out-of-range query, `.topicNotFound`,
    ///   `.storageUnavailable`.
    func readEvents(_ query: EventQuery, logger: Logger) async throws -> EventPage

    /// Reads the event at `offset`.
    /// - Throws: `EventStoreError.eventNotFound`, `.topicNotFound`, `.storageUnavailable`.
    func readEvent(at offset: Int64, in topic: TopicName, logger: Logger) async throws -> Event
}
