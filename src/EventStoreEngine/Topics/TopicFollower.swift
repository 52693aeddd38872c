public import EventStoreCore
public import Logging

/// Follows one topic from a position: reads the next page in offset order and, once caught up, waits for the head
/// to pass what it examined. The catch-up-to-live switch of subscribers, projections and replay alike: catch-up and
/// live are the same loop reading the same log, so the switch has no gap and no duplicate, and memory is bounded by
/// one page.
public struct TopicFollower: Sendable {
    /// What one step found.
    public enum Step: Sendable {
        /// Events at or after the position (never empty); continue from the page's `nextOffset`.
        case events(EventPage)
        /// Nothing matched up to `examined` (everything below it is read); the head was `head`. When the follower
        /// was asked to wait, the head has since passed `examined`, or the wait ran out.
        case caughtUp(examined: Int64, head: Int64)
        /// The topic was deleted (or deleted and created again: the follower does not carry over to the new one).
        case gone
    }

    public let topic: TopicName
    private let reader: any EventQueries
    private let registry: TopicRegistry
    /// The append notification of the topic as it was when following started.
    public let watch: HeadWatch
    public let filter: EventFilter
    public let batchSize: Int

    /// - Parameters:
    ///   - topic: the attached topic to follow; a topic of the same name attached later is another one.
    ///   - reader: reads the pages (validating, metering and bounding them like any read).
    ///   - registry: where the topic is looked up, to notice that it was detached.
    public init(topic: AttachedTopic, reader: any EventQueries, registry: TopicRegistry, filter: EventFilter, batchSize: Int) {
        self.topic = topic.name
        self.reader = reader
        self.registry = registry
        self.watch = topic.headWatch
        self.filter = filter
        self.batchSize = batchSize
    }

    /// Reads from `position`; when nothing is there, waits up to `wait` for an append.
    /// - Throws: storage errors (the caller decides how to back off); never `topicNotFound` (that is ``Step/gone``).
    public func next(from position: Int64, waitingUpTo wait: Duration, logger: Logger) async throws -> Step {
        let page: EventPage
        do {
            page = try await self.reader.readEvents(
                EventQuery(topic: self.topic, from: position, limit: self.batchSize, filter: self.filter),
                logger: logger
            )
        } catch let error as EventStoreError where error.code == .topicNotFound {
            return .gone
        }
        guard self.registry.attached(self.topic)?.headWatch === self.watch else { return .gone }
        if !page.events.isEmpty { return .events(page) }
        let examined = max(position, page.nextOffset)
        if wait > .zero {
            _ = await self.watch.wait(forHeadBeyond: examined, until: .now + wait)
        }
        return .caughtUp(examined: examined, head: page.head)
    }
}
