import EventStoreCore
import EventStoreTesting
import Logging
import Synchronization
import Testing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@testable import EventStoreEngine

/// Counts the reads that reach it and answers a page of `events` events from the asked offset.
final class CountingReader: EventQueries {
    let reads = Mutex(0)
    let events = Mutex(3)

    func readEvents(_ query: EventQuery, logger: Logger) async throws -> EventPage {
        self.reads.withLock { $0 += 1 }
        let count = Int64(self.events.withLock { $0 })
        let events = (0..<count).map { Event(id: UUID(), offset: query.from + $0, type: "A", timestamp: Date(timeIntervalSince1970: 0)) }
        return EventPage(events: events, nextOffset: query.from + count, head: query.from + count)
    }

    func readEvent(at offset: Int64, in topic: TopicName, logger: Logger) async throws -> Event {
        throw EventStoreError(.eventNotFound, "none")
    }
}

@Suite("Pages shared among projection workers")
struct SharedPagesTests {
    let orders = try! TopicName("orders")

    @Test func workersReadingFromTheSameCheckpointShareOneRead() async throws {
        let base = CountingReader()
        let shared = SharedPages(base)
        let query = EventQuery(topic: orders, from: 5, limit: 100)
        let first = try await shared.readEvents(query, logger: quietLogger)
        let second = try await shared.readEvents(query, logger: quietLogger)
        #expect(first == second)
        #expect(base.reads.withLock { $0 } == 1)
        // Another position, filter or topic is another read.
        _ = try await shared.readEvents(EventQuery(topic: orders, from: 6, limit: 100), logger: quietLogger)
        _ = try await shared.readEvents(EventQuery(topic: orders, from: 5, limit: 100, filter: EventFilter(types: ["A"])), logger: quietLogger)
        _ = try await shared.readEvents(EventQuery(topic: try TopicName("other"), from: 5, limit: 100), logger: quietLogger)
        #expect(base.reads.withLock { $0 } == 4)
    }

    @Test func emptyPagesWaitingReadsAndForgottenTopicsAreNotShared() async throws {
        let base = CountingReader()
        let shared = SharedPages(base)
        base.events.withLock { $0 = 0 }
        let query = EventQuery(topic: orders, from: 0, limit: 100)
        _ = try await shared.readEvents(query, logger: quietLogger)
        base.events.withLock { $0 = 2 }
        #expect(try await shared.readEvents(query, logger: quietLogger).events.count == 2, "an empty page would hide the new events")
        #expect(try await shared.readEvents(query, logger: quietLogger).events.count == 2)
        #expect(base.reads.withLock { $0 } == 2)
        _ = try await shared.readEvents(EventQuery(topic: orders, from: 0, limit: 100, wait: .seconds(1)), logger: quietLogger)
        #expect(base.reads.withLock { $0 } == 3, "a waiting read is the caller's own")
        shared.forget(orders)
        _ = try await shared.readEvents(query, logger: quietLogger)
        #expect(base.reads.withLock { $0 } == 4, "a detached topic's pages are gone")
    }
}
