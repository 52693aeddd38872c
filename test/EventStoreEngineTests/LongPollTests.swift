import EventStoreCore
import EventStoreEngine
import EventStoreTesting
import MemoryStorage
import Testing

@Suite struct HeadWatchTests {
    @Test func anAdvanceWakesAWaiter() async throws {
        let watch = HeadWatch(head: 3)
        let woken = Task { await watch.wait(forHeadBeyond: 3, until: .now + .seconds(30)) }
        try await eventually("the wait is pending") { watch.waiting == 1 }
        watch.advance(to: 4)
        #expect(await woken.value)
    }

    @Test func aHeadAlreadyBeyondAnswersAtOnce() async {
        #expect(await HeadWatch(head: 10).wait(forHeadBeyond: 9, until: .now + .seconds(30)))
    }

    @Test func theDeadlineEndsTheWait() async {
        #expect(await HeadWatch(head: 0).wait(forHeadBeyond: 0, until: .now + .milliseconds(50)) == false)
    }

    @Test func cancellationEndsTheWait() async throws {
        let watch = HeadWatch(head: 0)
        let waiting = Task { await watch.wait(forHeadBeyond: 0, until: .now + .seconds(30)) }
        try await eventually("the wait is pending") { watch.waiting == 1 }
        waiting.cancel()
        #expect(await waiting.value == false)
        watch.advance(to: 5)  // no waiter left to resume
    }
}

@Suite struct LongPollReadTests {
    let registry = TopicRegistry()
    let orders = try! TopicName("orders")

    func setUp() async throws -> (EventPublisher, EventReader) {
        let topics = TopicService(registry: registry, adapters: [MemoryStorageAdapter()], catalog: MemoryTopicCatalog(), logger: quietLogger)
        _ = try await topics.createTopic(TopicConfiguration(name: orders, adapter: .memory), logger: quietLogger)
        return (EventPublisher(topics: registry, limits: EventLimits()), EventReader(topics: registry, limits: ReadLimits()))
    }

    @Test func aWaitingReadAnswersWhenAMatchingEventArrives() async throws {
        let (publisher, reader) = try await setUp()
        _ = try await publisher.publish([EventDraft(type: "Old")], condition: nil, to: orders, logger: quietLogger)
        let page = Task {
            try await reader.readEvents(
                EventQuery(topic: orders, from: 1, filter: EventFilter(types: ["Wanted"]), wait: .seconds(30)),
                logger: quietLogger
            )
        }
        let watch = try registry.readyTopic(orders).headWatch
        try await eventually("the read is waiting") { watch.waiting == 1 }
        _ = try await publisher.publish([EventDraft(type: "Other")], condition: nil, to: orders, logger: quietLogger)
        // The read examines the non-matching event and waits again; had it answered, it would hold no event.
        try await eventually("the read is waiting again") { watch.waiting == 1 && watch.head == 2 }
        _ = try await publisher.publish([EventDraft(type: "Wanted")], condition: nil, to: orders, logger: quietLogger)
        let result = try await page.value
        #expect(result.events.map(\.type) == ["Wanted"], "a non-matching event does not answer the read")
        #expect(result.events.map(\.offset) == [2])
        #expect(result.nextOffset == 3)
    }

    @Test func aWaitingReadAnswersEmptyWhenTimeRunsOut() async throws {
        let (_, reader) = try await setUp()
        let page = try await reader.readEvents(EventQuery(topic: orders, from: 0, wait: .milliseconds(100)), logger: quietLogger)
        #expect(page.events.isEmpty)
        #expect(page.head == 0)
    }

    @Test func existingEventsAnswerWithoutWaiting() async throws {
        let (publisher, reader) = try await setUp()
        _ = try await publisher.publish([EventDraft(type: "A")], condition: nil, to: orders, logger: quietLogger)
        let page = try await reader.readEvents(EventQuery(topic: orders, from: 0, wait: .seconds(30)), logger: quietLogger)
        #expect(page.events.map(\.type) == ["A"])
    }

    @Test func waitsLongerThanTheLimitAreRefused() async throws {
        let (_, reader) = try await setUp()
        let error = await #expect(throws: EventStoreError.self) {
            try await reader.readEvents(EventQuery(topic: orders, wait: .seconds(31)), logger: quietLogger)
        }
        #expect(error?.code == .invalidArgument)
    }
}

@Suite struct DetachedTopicWaitTests {
    @Test func closingTheWatchWakesWaitersAndAnswersLaterWaitsAtOnce() async throws {
        let watch = HeadWatch(head: 0)
        let waiting = Task { await watch.wait(forHeadBeyond: 0, until: .now + .seconds(30)) }
        try await eventually("the wait is pending") { watch.waiting == 1 }
        watch.close()
        #expect(await waiting.value)
        #expect(await watch.wait(forHeadBeyond: 100, until: .now + .seconds(30)))
    }

    @Test func aLongPollOnATopicThatIsDeletedAnswersNotFoundAtOnce() async throws {
        let registry = TopicRegistry()
        let orders = try TopicName("orders")
        let topics = TopicService(registry: registry, adapters: [MemoryStorageAdapter()], catalog: MemoryTopicCatalog(), logger: quietLogger)
        _ = try await topics.createTopic(TopicConfiguration(name: orders, adapter: .memory), logger: quietLogger)
        let reader = EventReader(topics: registry, limits: ReadLimits())
        let started = ContinuousClock.now
        let read = Task { try await reader.readEvents(EventQuery(topic: orders, wait: .seconds(30)), logger: quietLogger) }
        let watch = try registry.readyTopic(orders).headWatch
        try await eventually("the read is waiting") { watch.waiting == 1 }
        try await topics.deleteTopic(orders, logger: quietLogger)
        await expectError(.topicNotFound) { try await read.value }
        #expect(ContinuousClock.now - started < .seconds(25), "answered by the deletion, not by the end of the 30 s wait")
    }
}
