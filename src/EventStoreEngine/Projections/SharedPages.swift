import EventStoreCore
import Logging
import Synchronization

/// Shares the pages the projection workers of a process read: workers woken by the same append read from the same
/// checkpoints, so the first read decodes the topic's records and the others take its page. Events never change, so
/// a page read a moment ago is still true (it may end before the head has since moved, which a worker reads next).
/// Pages without events are not kept (they would hide new ones), pages live a second at most, and a topic's pages are
/// forgotten when it is detached.
final class SharedPages: EventQueries {
    private struct Key: Hashable {
        var topic: TopicName
        var from: Int64
        var limit: Int
        var filter: EventFilter
    }

    private struct Kept {
        var key: Key
        var page: EventPage
        var readAt: ContinuousClock.Instant
    }

    /// How many pages are kept: a few per topic with projections.
    static let capacity = 16
    static let lifetime = Duration.seconds(1)

    private let base: any EventQueries
    private let kept = Mutex<[Kept]>([])

    init(_ base: any EventQueries) {
        self.base = base
    }

    func readEvents(_ query: EventQuery, logger: Logger) async throws -> EventPage {
        guard query.wait == nil else { return try await self.base.readEvents(query, logger: logger) }
        let key = Key(topic: query.topic, from: query.from, limit: query.limit, filter: query.filter)
        let now = ContinuousClock.now
        if let page = self.kept.withLock({ kept in kept.last { $0.key == key && now - $0.readAt < Self.lifetime }?.page }) {
            return page
        }
        let page = try await self.base.readEvents(query, logger: logger)
        if !page.events.isEmpty {
            self.kept.withLock { kept in
                kept.removeAll { $0.key == key || now - $0.readAt >= Self.lifetime }
                kept.append(Kept(key: key, page: page, readAt: now))
                if kept.count > Self.capacity { kept.removeFirst(kept.count - Self.capacity) }
            }
        }
        return page
    }

    func readEvent(at offset: Int64, in topic: TopicName, logger: Logger) async throws -> Event {
        try await self.base.readEvent(at: offset, in: topic, logger: logger)
    }

    /// Forgets a topic's pages: it was detached, and a topic of its name attached later is another one.
    func forget(_ topic: TopicName) {
        self.kept.withLock { $0.removeAll { $0.key.topic == topic } }
    }
}
