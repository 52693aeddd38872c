import EventStoreCore
import EventStoreEngine
import EventStoreTesting
import MemoryStorage
import Metrics
import MetricsTestKit
import Testing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@Suite struct EventPublisherAndReaderTests {
    let registry = TopicRegistry()
    let orders = try! TopicName("orders")

    func attach(_ adapter: any StorageAdapter = MemoryStorageAdapter()) async throws {
        let topics = TopicService(registry: registry, adapters: [adapter], catalog: MemoryTopicCatalog(), logger: quietLogger)
        _ = try await topics.createTopic(TopicConfiguration(name: orders, adapter: adapter.kind), logger: quietLogger)
    }

    @Test func publishesAndReadsBack() async throws {
        try await attach()
        let publisher = EventPublisher(topics: registry, limits: EventLimits(), clock: FixedClock())
        let reader = EventReader(topics: registry, limits: ReadLimits())
        let result = try await publisher.publish(
            [EventDraft(type: "A", key: "k"), EventDraft(type: "B")],
            condition: nil,
            to: orders,
            logger: quietLogger
        )
        #expect(result.entries.map(\.offset) == [0, 1])
        let page = try await reader.readEvents(EventQuery(topic: orders, from: 0, limit: 10), logger: quietLogger)
        #expect(page.events.map(\.type) == ["A", "B"])
        #expect(page.events.allSatisfy { $0.timestamp == FixedClock().date })
        let one = try await reader.readEvent(at: 1, in: orders, logger: quietLogger)
        #expect(one.type == "B")
        let missing = await #expect(throws: EventStoreError.self) { try await reader.readEvent(at: 2, in: orders, logger: quietLogger) }
        #expect(missing?.code == .eventNotFound)
    }

    @Test func unknownTopicsAreNotFound() async throws {
        let publisher = EventPublisher(topics: registry, limits: EventLimits())
        let error = await #expect(throws: EventStoreError.self) {
            try await publisher.publish([EventDraft(type: "A")], condition: nil, to: orders, logger: quietLogger)
        }
        #expect(error?.code == .topicNotFound)
        let read = await #expect(throws: EventStoreError.self) {
            try await EventReader(topics: registry, limits: ReadLimits()).readEvents(EventQuery(topic: orders), logger: quietLogger)
        }
        #expect(read?.code == .topicNotFound)
    }

    @Test(arguments: [(Int64(-1), 10), (0, 0), (0, 101)])
    func refusesOutOfRangeReads(from: Int64, limit: Int) async throws {
        try await attach()
        let reader = EventReader(topics: registry, limits: ReadLimits(maxPageSize: 100))
        let error = await #expect(throws: EventStoreError.self) {
            try await reader.readEvents(EventQuery(topic: orders, from: from, limit: limit), logger: quietLogger)
        }
        #expect(error?.code == .invalidArgument)
    }

    @Test func storageFailuresBecomeUnavailableAndLeakNothing() async throws {
        try await attach(ScriptedStorageAdapter(kind: .memory) { _ in BrokenEventLog() })
        let publish = await #expect(throws: EventStoreError.self) {
            try await EventPublisher(topics: registry, limits: EventLimits())
                .publish([EventDraft(type: "A")], condition: nil, to: orders, logger: quietLogger)
        }
        #expect(publish?.code == .storageUnavailable)
        #expect(publish?.message.contains("DiskOnFire") == false)
        let read = await #expect(throws: EventStoreError.self) {
            try await EventReader(topics: registry, limits: ReadLimits()).readEvents(EventQuery(topic: orders), logger: quietLogger)
        }
        #expect(read?.code == .storageUnavailable)
    }

    @Test func recordsAppendedReadAndHeadMetrics() async throws {
        let metrics = TestMetrics()
        try await withMetricsFactory(metrics) {
            try await attach()
            let publisher = EventPublisher(topics: registry, limits: EventLimits())
            let id = UUID()
            _ = try await publisher.publish([EventDraft(id: id, type: "A"), EventDraft(type: "B")], condition: nil, to: orders, logger: quietLogger)
            _ = try await publisher.publish([EventDraft(id: id, type: "A")], condition: nil, to: orders, logger: quietLogger)
            _ = try await EventReader(topics: registry, limits: ReadLimits()).readEvents(EventQuery(topic: orders), logger: quietLogger)
        }
        let dimensions = [("topic", "orders")]
        #expect(try metrics.expectCounter("eventstore_events_appended_total", dimensions).totalValue == 2)
        #expect(try metrics.expectCounter("eventstore_events_read_total", dimensions).totalValue == 2)
        #expect(try metrics.expectGauge("eventstore_topic_head", dimensions).lastValue == 2)
    }
}
