import EventStoreCore
import EventStoreEngine
import EventStoreTesting
import Logging
import MemoryStorage
import Synchronization
import Testing

/// A callback sender that records every attempt and answers as the test's script says.
final class ScriptedSender: CallbackSender {
    /// The answer to attempt `attempt` (from 1) of the callback; may suspend.
    typealias Script = @Sendable (_ callback: Callback, _ attempt: Int) async -> CallbackOutcome

    private let attempts = Mutex<[Callback]>([])
    private let script: Script
    private let refusedHost: String?

    init(refusing refusedHost: String? = nil, script: @escaping Script = { _, _ in .delivered }) {
        self.script = script
        self.refusedHost = refusedHost
    }

    /// Every attempt so far, in order.
    var recorded: [Callback] { self.attempts.withLock { $0 } }

    func checkDestination(_ url: CallbackURL, logger: Logger) async throws(EventStoreError) {
        if url.host == self.refusedHost { throw EventStoreError(.callbackRefused, "refused by the test") }
    }

    func deliver(_ callback: Callback, logger: Logger) async -> CallbackOutcome {
        let attempt = self.attempts.withLock { attempts in
            attempts.append(callback)
            return attempts.filter { $0.messageID == callback.messageID }.count
        }
        return await self.script(callback, attempt)
    }
}

@Suite struct SubscriptionServiceTests {
    let registry = TopicRegistry()
    let orders = try! TopicName("orders")
    let fastPolicy = DeliveryPolicy(
        backoff: Backoff(base: .milliseconds(5), cap: .milliseconds(20)),
        maxAttempts: 3,
        // Long enough for a test to look at a stopped subscription however slowly it is scheduled: workers run at
        // utility priority on threads of their own, so a loaded machine delays a test more than the worker's timers.
        retention: .seconds(60),
        maxSubscriptions: 5
    )

    func setUp(
        sender: ScriptedSender,
        policy: DeliveryPolicy? = nil
    ) async throws -> (TopicService, EventPublisher, SubscriptionService) {
        let topics = TopicService(registry: registry, adapters: [MemoryStorageAdapter()], catalog: MemoryTopicCatalog(), logger: quietLogger)
        _ = try await topics.createTopic(TopicConfiguration(name: orders, adapter: .memory), logger: quietLogger)
        let reader = EventReader(topics: registry, limits: ReadLimits())
        let service = SubscriptionService(registry: registry, reader: reader, sender: sender, policy: policy ?? fastPolicy, logger: quietLogger)
        return (topics, EventPublisher(topics: registry, limits: EventLimits()), service)
    }

    func publish(_ publisher: EventPublisher, _ types: [String], key: String? = nil) async throws {
        _ = try await publisher.publish(types.map { EventDraft(type: $0, key: key) }, condition: nil, to: orders, logger: quietLogger)
    }

    func subscribe(
        _ service: SubscriptionService,
        from: Int64 = 0,
        filter: EventFilter = .all,
        batchSize: Int? = nil
    ) async throws -> SubscriptionInfo {
        try await service.subscribe(
            SubscriptionRequest(topic: orders, from: from, callbackURL: "http://receiver.test/hook", filter: filter, batchSize: batchSize),
            logger: quietLogger
        ).subscription
    }

    @Test func catchUpThenLiveDeliversEveryEventOnceInOrder() async throws {
        let sender = ScriptedSender()
        let (_, publisher, service) = try await setUp(sender: sender)
        try await publish(publisher, (0..<250).map { "E\($0)" })
        let subscription = try await subscribe(service, batchSize: 100)
        try await publish(publisher, (250..<300).map { "E\($0)" })
        try await eventually("300 events delivered") { try await service.subscription(subscription.id, of: orders).delivered == 300 }

        let offsets = sender.recorded.flatMap(\.events).map(\.offset)
        #expect(offsets == Array(0..<300))
        #expect(sender.recorded.allSatisfy { $0.events.count <= 100 })
        #expect(sender.recorded.allSatisfy { $0.nextOffset == $0.events.last!.offset + 1 })
        #expect(Set(sender.recorded.map(\.messageID)).count == sender.recorded.count, "each batch has its own message id")
        let info = try await service.subscription(subscription.id, of: orders)
        #expect(info.state == .active)
        #expect(info.cursor == 299)
        #expect(info.position == 300)
        #expect(info.lag == 0)
        #expect(info.consecutiveFailures == 0)
        await service.stopAll()
    }

    @Test func aFailedBatchIsRetriedWithTheSameMessageThenDeliveryGoesOn() async throws {
        let sender = ScriptedSender { callback, attempt in
            callback.events.first?.offset == 2 && attempt < 3 ? .failed(reason: "the receiver answered 500", retryAfter: nil) : .delivered
        }
        let (_, publisher, service) = try await setUp(sender: sender)
        let subscription = try await subscribe(service, batchSize: 2)
        try await publish(publisher, ["A", "B", "C", "D", "E"])
        try await eventually("5 events delivered") { try await service.subscription(subscription.id, of: orders).delivered == 5 }

        let attempts = sender.recorded
        #expect(attempts.map { $0.events.map(\.offset) } == [[0, 1], [2, 3], [2, 3], [2, 3], [4]])
        #expect(attempts[1].messageID == attempts[2].messageID && attempts[2].messageID == attempts[3].messageID)
        #expect(attempts[1].events == attempts[3].events, "the retried batch is the same batch")
        let info = try await service.subscription(subscription.id, of: orders)
        #expect(info.consecutiveFailures == 0 && info.lastError == nil && info.state == .active)
        await service.stopAll()
    }

    @Test func aSpentBudgetFailsTheSubscription() async throws {
        let sender = ScriptedSender { _, _ in .failed(reason: "connection refused", retryAfter: nil) }
        let (_, publisher, service) = try await setUp(sender: sender)
        let subscription = try await subscribe(service)
        try await publish(publisher, ["A"])
        try await eventually("failed") { try await service.subscription(subscription.id, of: orders).state == .failed }

        let info = try await service.subscription(subscription.id, of: orders)
        #expect(info.consecutiveFailures == 3)
        #expect(info.lastError == "gave up after 3 attempts; last: connection refused")
        #expect(info.cursor == nil && info.delivered == 0)
        #expect(sender.recorded.count == 3, "maxAttempts attempts, then no more")
        await service.stopAll()
    }

    @Test func aStoppedSubscriptionIsRemovedAfterItsRetention() async throws {
        let sender = ScriptedSender { _, _ in .failed(reason: "connection refused", retryAfter: nil) }
        var policy = fastPolicy
        policy.retention = .milliseconds(100)
        let (_, publisher, service) = try await setUp(sender: sender, policy: policy)
        let subscription = try await subscribe(service)
        try await publish(publisher, ["A"])
        try await eventually("removed after retention") { try await service.subscriptions(of: orders).isEmpty }
        #expect(sender.recorded.count == 3, "removed once its budget was spent, not before")
        await expectError(.subscriptionNotFound) { try await service.subscription(subscription.id, of: orders) }
    }

    @Test func goneEndsTheSubscriptionAtOnce() async throws {
        let sender = ScriptedSender { _, _ in .gone }
        let (_, publisher, service) = try await setUp(sender: sender)
        let subscription = try await subscribe(service)
        try await publish(publisher, ["A", "B"])
        try await eventually("ended") { try await service.subscription(subscription.id, of: orders).state == .ended }
        #expect(sender.recorded.count == 1, "an ended worker sends nothing more, and it was not retried before")
        #expect(try await service.subscription(subscription.id, of: orders).lastError == "the receiver answered 410 Gone")
        await service.stopAll()
    }

    @Test func unsubscribingAbandonsTheInFlightCallbackAndStopsDelivery() async throws {
        let sender = ScriptedSender { _, _ in
            try? await Task.sleep(for: .seconds(60))  // a receiver that never answers; ends when cancelled
            return .failed(reason: "cancelled", retryAfter: nil)
        }
        let (_, publisher, service) = try await setUp(sender: sender)
        let subscription = try await subscribe(service)
        try await publish(publisher, ["A"])
        try await eventually("an attempt is in flight") { sender.recorded.count == 1 }
        let started = ContinuousClock.now
        try await service.unsubscribe(subscription.id, from: orders, logger: quietLogger)
        #expect(ContinuousClock.now - started < .seconds(30), "not held by the callback that never answers (60 s)")
        try await publish(publisher, ["B"])
        #expect(sender.recorded.count == 1, "unsubscribe returns once the worker has ended: nothing can be sent after it")
        #expect(try await service.subscriptions(of: orders).isEmpty)
        await expectError(.subscriptionNotFound) { try await service.unsubscribe(subscription.id, from: orders, logger: quietLogger) }
    }

    @Test func filtersAndAStartInTheMiddleSelectWhatIsDelivered() async throws {
        let sender = ScriptedSender()
        let (_, publisher, service) = try await setUp(sender: sender)
        try await publish(publisher, ["Placed", "Shipped", "Placed"], key: "a")
        try await publish(publisher, ["Placed", "Shipped"], key: "b")
        let subscription = try await subscribe(service, from: 1, filter: EventFilter(types: ["Placed"], keys: ["a"]))
        try await publish(publisher, ["Placed"], key: "a")
        try await publish(publisher, ["Shipped", "Placed"], key: "a")
        // Delivery is in offset order: once the last matching event (7) is delivered, nothing before it can still be.
        try await eventually("3 events delivered") { try await service.subscription(subscription.id, of: orders).delivered == 3 }
        #expect(sender.recorded.flatMap(\.events).map(\.offset) == [2, 5, 7])
        let info = try await service.subscription(subscription.id, of: orders)
        #expect(info.position == 8 && info.cursor == 7)
        await service.stopAll()
    }

    @Test func lingeringGathersATrickleIntoFewerCallbacks() async throws {
        let sender = ScriptedSender()
        var policy = fastPolicy
        // Long beside the appends' half second: at the start of a full run, when hundreds of tests start on two cores,
        // the ten appends took 18-25 s, and a 2 s linger could then show nothing.
        policy.linger = .seconds(5)
        let (_, publisher, service) = try await setUp(sender: sender, policy: policy)
        let subscription = try await subscribe(service)
        let watch = try registry.readyTopic(orders).headWatch
        try await eventually("the worker is caught up and waiting") { watch.waiting == 1 }
        let started = ContinuousClock.now
        for index in 0..<10 {
            try await publish(publisher, ["E\(index)"])  // ten appends, each waking the worker
            try await Task.sleep(for: .milliseconds(50))  // without a linger, each would go in a callback of its own
        }
        let elapsed = ContinuousClock.now - started
        try await eventually("10 events delivered", timeout: .seconds(60)) {
            try await service.subscription(subscription.id, of: orders).delivered == 10
        }
        #expect(sender.recorded.flatMap(\.events).map(\.offset) == Array(0..<10))
        // A worker lingers once per wake-up, so appends spread over `elapsed` fit in this many callbacks (2 when the
        // appends take the 0.5 s they should; a busy machine spreads them wider, and the bound follows).
        let bound = Int((elapsed / policy.linger).rounded(.up)) + 1
        #expect(bound < 10, "the appends took \(elapsed): too slow to show anything")
        #expect(sender.recorded.count <= bound, "ten appends over \(elapsed) share the callbacks of a 5 s linger: \(sender.recorded.count)")
        await service.stopAll()
    }

    @Test func deletingTheTopicFailsItsSubscriptions() async throws {
        let (topics, _, service) = try await setUp(sender: ScriptedSender())
        let subscription = try await subscribe(service)
        let watch = try registry.readyTopic(orders).headWatch
        try await eventually("the worker is waiting for events") { watch.waiting == 1 }
        try await topics.deleteTopic(orders, logger: quietLogger)
        _ = try await topics.createTopic(TopicConfiguration(name: orders, adapter: .memory), logger: quietLogger)
        // The worker woke at once (not after its long poll), found the topic gone and stopped; the new topic of the
        // same name is not the one it subscribed to.
        try await eventually("failed") { try await service.subscription(subscription.id, of: orders).state == .failed }
        #expect(try await service.subscription(subscription.id, of: orders).lastError == "topic 'orders' was deleted")
        await service.stopAll()
    }

    @Test func unreadableStorageIsRetriedWithoutSpendingTheReceiversBudget() async throws {
        let sender = ScriptedSender()
        let broken = BrokenEventLog()
        let topics = TopicService(
            registry: registry,
            adapters: [ScriptedStorageAdapter(kind: .memory) { _ in broken }],
            catalog: MemoryTopicCatalog(),
            logger: quietLogger
        )
        _ = try await topics.createTopic(TopicConfiguration(name: orders, adapter: .memory), logger: quietLogger)
        let reader = EventReader(topics: registry, limits: ReadLimits())
        let service = SubscriptionService(registry: registry, reader: reader, sender: sender, policy: fastPolicy, logger: quietLogger)
        let subscription = try await subscribe(service)
        try await eventually("the read failure is reported") {
            try await service.subscription(subscription.id, of: orders).lastError != nil
        }
        let reads = broken.reads.count
        try await eventually("several more failed reads, at backoff pace") { broken.reads.count >= reads + 3 }
        let info = try await service.subscription(subscription.id, of: orders)
        #expect(info.lastError == "the storage of topic 'orders' failed; nothing was changed")
        #expect(info.state == .active, "storage trouble is not the receiver's: the subscription keeps trying")
        #expect(info.consecutiveFailures == 0)
        #expect(sender.recorded.isEmpty)
        await service.stopAll()
    }

    @Test func refusedRequestsStartNothing() async throws {
        let sender = ScriptedSender(refusing: "forbidden.test")
        let (_, _, service) = try await setUp(sender: sender)
        func refusal(_ request: SubscriptionRequest) async -> EventStoreError? {
            do {
                _ = try await service.subscribe(request, logger: quietLogger)
                return nil
            } catch {
                return error as? EventStoreError
            }
        }
        let url = "http://receiver.test/hook"
        #expect(await refusal(SubscriptionRequest(topic: orders, from: -1, callbackURL: url))?.code == .invalidArgument)
        #expect(await refusal(SubscriptionRequest(topic: orders, callbackURL: url, batchSize: 0))?.code == .invalidArgument)
        #expect(await refusal(SubscriptionRequest(topic: orders, callbackURL: url, batchSize: 1001))?.code == .invalidArgument)
        #expect(await refusal(SubscriptionRequest(topic: orders, callbackURL: "ftp://receiver.test/"))?.code == .invalidArgument)
        #expect(await refusal(SubscriptionRequest(topic: orders, callbackURL: "http://user:pw@receiver.test/"))?.code == .invalidArgument)
        #expect(await refusal(SubscriptionRequest(topic: orders, callbackURL: "http://forbidden.test/"))?.code == .callbackRefused)
        #expect(await refusal(SubscriptionRequest(topic: try TopicName("nope"), callbackURL: url))?.code == .topicNotFound)
        #expect(try await service.subscriptions(of: orders).isEmpty)
        for _ in 0..<5 { _ = try await subscribe(service) }
        #expect(await refusal(SubscriptionRequest(topic: orders, callbackURL: url))?.code == .limitExceeded)
        await service.stopAll()
        #expect(try await service.subscriptions(of: orders).isEmpty)
    }
}

@Suite struct BackoffTests {
    var generator = SystemRandomNumberGenerator()

    @Test mutating func delaysDoubleUpToTheCapWithHalfOfEachRandom() {
        let backoff = Backoff(base: .seconds(1), cap: .seconds(8))
        for (failures, ceiling) in [(1, 1), (2, 2), (3, 4), (4, 8), (5, 8), (40, 8)] {
            for _ in 0..<50 {
                let delay = backoff.delay(afterFailures: failures, using: &generator)
                #expect(delay >= .seconds(ceiling) / 2 && delay <= .seconds(ceiling), "failure \(failures): \(delay)")
            }
        }
    }

    @Test mutating func retryAfterIsHonouredUpToItsLimit() {
        let backoff = Backoff(base: .seconds(1), cap: .seconds(8), maxRetryAfter: .seconds(60))
        #expect(backoff.delay(afterFailures: 1, retryAfter: .seconds(30), using: &generator) == .seconds(30))
        #expect(backoff.delay(afterFailures: 1, retryAfter: .seconds(600), using: &generator) == .seconds(60))
    }
}
