public import EventStoreCore
public import Logging

/// Handles event queries against the topics' logs.
public struct EventReader: EventQueries {
    private let topics: TopicRegistry
    public let limits: ReadLimits

    public init(topics: TopicRegistry, limits: ReadLimits) {
        self.topics = topics
        self.limits = limits
    }

    public func readEvents(_ query: EventQuery, logger: Logger) async throws -> EventPage {
        guard query.from >= 0 else {
            throw EventStoreError(.invalidArgument, "from must be 0 or greater")
        }
        guard (1...self.limits.maxPageSize).contains(query.limit) else {
            throw EventStoreError(.invalidArgument, "limit must be between 1 and \(self.limits.maxPageSize)")
        }
        let attached = try self.topics.readyTopic(query.topic)
        let page = try await attached.storageCall(registry: self.topics, logger: logger) { log in
            try await log.read(from: query.from, limit: query.limit, filter: query.filter, logger: logger)
        }
        attached.metrics.recordRead(count: page.events.count)
        return page
    }

    public func readEvent(at offset: Int64, in topic: TopicName, logger: Logger) async throws -> Event {
        guard offset >= 0 else {
            throw EventStoreError(.invalidArgument, "offset must be 0 or greater")
        }
        let page = try await self.readEvents(EventQuery(topic: topic, from: offset, limit: 1), logger: logger)
        guard let event = page.events.first, event.offset == offset else {
            throw EventStoreError(.eventNotFound, "topic '\(topic)' has no event at offset \(offset) (head is \(page.head))")
        }
        return event
    }
}
