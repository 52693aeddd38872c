import EventStoreCore
import EventStoreTesting
import MemoryStorage
import Synchronization
import Testing

@testable import EventStoreEngine

@Suite struct TopicServiceTests {
    let registry = TopicRegistry()
    let catalog = MemoryTopicCatalog()

    func service(adapters: [any StorageAdapter] = [MemoryStorageAdapter()], catalog: (any TopicCatalog)? = nil) -> TopicService {
        TopicService(registry: registry, adapters: adapters, catalog: catalog ?? self.catalog, logger: quietLogger)
    }

    func memoryTopic(_ name: String, options: [String: String] = [:]) throws -> TopicConfiguration {
        TopicConfiguration(name: try TopicName(name), adapter: .memory, options: options)
    }

    @Test func createsPersistsAndRepeatsIdempotently() async throws {
        let topics = service()
        let first = try await topics.createTopic(try memoryTopic("orders"), logger: quietLogger)
        #expect(first.created)
        #expect(first.topic.head == 0)
        #expect(try await catalog.load(logger: quietLogger) == [try memoryTopic("orders")])
        let again = try await topics.createTopic(try memoryTopic("orders"), logger: quietLogger)
        #expect(!again.created)
        let conflict = await #expect(throws: EventStoreError.self) {
            try await topics.createTopic(try memoryTopic("orders", options: ["x": "y"]), logger: quietLogger)
        }
        #expect(conflict?.code == .topicConflict)
    }

    @Test func refusesAdaptersNotInTheBuild() async throws {
        let topics = service()
        let configuration = TopicConfiguration(name: try TopicName("users"), adapter: .fileSystem, connection: "/tmp/x")
        let error = await #expect(throws: EventStoreError.self) { try await topics.createTopic(configuration, logger: quietLogger) }
        #expect(error?.code == .unsupportedConfiguration)
        #expect(error?.message.contains("not available in this build") == true)
        #expect(registry.attached(configuration.name) == nil)
        #expect(try await catalog.load(logger: quietLogger).isEmpty)
    }

    @Test func deleteDetachesAndForgets() async throws {
        let topics = service()
        _ = try await topics.createTopic(try memoryTopic("orders"), logger: quietLogger)
        try await topics.deleteTopic(try TopicName("orders"), logger: quietLogger)
        #expect(registry.attached(try TopicName("orders")) == nil)
        #expect(try await catalog.load(logger: quietLogger).isEmpty)
        let missing = await #expect(throws: EventStoreError.self) { try await topics.deleteTopic(try TopicName("orders"), logger: quietLogger) }
        #expect(missing?.code == .topicNotFound)
    }

    @Test func aFailingCatalogCreatesNothing() async throws {
        let topics = service(catalog: ReadOnlyCatalog())
        let error = await #expect(throws: EventStoreError.self) { try await topics.createTopic(try memoryTopic("orders"), logger: quietLogger) }
        #expect(error?.code == .storageUnavailable)
        #expect(registry.attached(try TopicName("orders")) == nil)
    }

    @Test func aFailingCatalogDeletesNothing() async throws {
        let stored = try memoryTopic("orders")
        let topics = service(catalog: ReadOnlyCatalog(stored: [stored]))
        try await topics.attachStoredTopics(declared: [])
        let error = await #expect(throws: EventStoreError.self) { try await topics.deleteTopic(stored.name, logger: quietLogger) }
        #expect(error?.code == .storageUnavailable)
        #expect(registry.attached(stored.name) != nil)
    }

    @Test func restoresCatalogTopicsAndAddsDeclaredOnes() async throws {
        _ = try await catalog.add(try memoryTopic("stored"), logger: quietLogger)
        let topics = service()
        try await topics.attachStoredTopics(declared: [try memoryTopic("declared"), try memoryTopic("stored")])
        #expect(await topics.listTopics(logger: quietLogger).map(\.configuration.name.rawValue) == ["declared", "stored"])
        #expect(try await catalog.load(logger: quietLogger).map(\.name.rawValue) == ["declared", "stored"])
    }

    @Test func aDeclaredTopicConflictingWithTheCatalogStopsStartup() async throws {
        _ = try await catalog.add(try memoryTopic("orders"), logger: quietLogger)
        let topics = service()
        let error = await #expect(throws: EventStoreError.self) {
            try await topics.attachStoredTopics(declared: [try memoryTopic("orders", options: ["other": "1"])])
        }
        #expect(error?.code == .topicConflict)
    }

    @Test func aTopicWhoseStorageFailsToOpenIsAttachedAsFailed() async throws {
        let broken = ScriptedStorageAdapter(kind: .memory) { _ in throw DiskOnFire() }
        _ = try await catalog.add(try memoryTopic("orders"), logger: quietLogger)
        let topics = service(adapters: [broken])
        try await topics.attachStoredTopics(declared: [])
        let health = await topics.health(logger: quietLogger)
        #expect(!health.isHealthy)
        #expect(health.topics.first?.state.isReady == false)
        let publish = await #expect(throws: EventStoreError.self) {
            try await EventPublisher(topics: registry, limits: EventLimits())
                .publish([EventDraft(type: "A")], condition: nil, to: try TopicName("orders"), logger: quietLogger)
        }
        #expect(publish?.code == .storageUnavailable)
    }

    @Test func aTopicWhoseHeadCannotBeReadIsNotCreated() async throws {
        let topics = service(adapters: [ScriptedStorageAdapter(kind: .memory) { _ in BrokenEventLog(headFails: true) }])
        let error = await #expect(throws: EventStoreError.self) { try await topics.createTopic(try memoryTopic("orders"), logger: quietLogger) }
        #expect(error?.code == .storageUnavailable)
        #expect(registry.attached(try TopicName("orders")) == nil)
        #expect(try await catalog.load(logger: quietLogger).isEmpty)
    }

    @Test func listsRedactedConfigurations() async throws {
        let adapter = ScriptedStorageAdapter(kind: .postgres) { _ in MemoryEventLog() }
        let topics = service(adapters: [adapter])
        let configuration = TopicConfiguration(name: try TopicName("orders"), adapter: .postgres, connection: "postgres://app:hunter2@db/events")
        let created = try await topics.createTopic(configuration, logger: quietLogger)
        #expect(created.topic.configuration.connection == "postgres://app:***@db/events")
        let listed = await topics.listTopics(logger: quietLogger)
        #expect(listed.allSatisfy { $0.configuration.connection?.contains("hunter2") == false })
        // The catalog keeps the real secret: it is needed to reconnect.
        #expect(try await catalog.load(logger: quietLogger).first?.connection == configuration.connection)
    }

    @Test func healthReportsStorageThatStoppedAnsweringAsUnavailable() async throws {
        let answering = Mutex(false)
        let flaky = CheckedEventLog {
            guard answering.withLock({ $0 }) else { throw EventStoreError(.storageUnavailable, "the database does not answer") }
        }
        let silent = CheckedEventLog { try await Task.sleep(for: .seconds(3600)) }
        let local = CheckedEventLog(checks: false) { throw DiskOnFire() }
        let adapter = ScriptedStorageAdapter(kind: .memory) { configuration in
            switch configuration.name.rawValue {
            case "flaky": flaky
            case "local": local
            default: silent
            }
        }
        let topics = TopicService(
            registry: registry,
            adapters: [adapter],
            catalog: catalog,
            storageCheckTimeout: .milliseconds(100),
            logger: quietLogger
        )
        _ = try await topics.createTopic(try memoryTopic("flaky"), logger: quietLogger)
        _ = try await topics.createTopic(try memoryTopic("silent"), logger: quietLogger)
        _ = try await topics.createTopic(try memoryTopic("local"), logger: quietLogger)

        let started = ContinuousClock.now
        let health = await topics.health(logger: quietLogger)
        #expect(ContinuousClock.now - started < .seconds(60), "a storage that never answers does not hold /health")
        #expect(!health.isHealthy)
        #expect(
            health.topics.map(\.state) == [
                .unavailable(reason: "the database does not answer"),
                .ready,  // local storage is not asked
                .unavailable(reason: "its storage did not answer within 0.1 seconds"),
            ]
        )

        answering.withLock { $0 = true }
        #expect(await topics.health(logger: quietLogger).topics.first?.state == .ready, "available again without any action")
    }

    @Test func servicesSharingACatalogFollowEachOthersChanges() async throws {
        let shared = SharedCatalog()
        let otherRegistry = TopicRegistry()
        let first = TopicService(registry: registry, adapters: [MemoryStorageAdapter()], catalog: shared, logger: quietLogger)
        let second = TopicService(registry: otherRegistry, adapters: [MemoryStorageAdapter()], catalog: shared, logger: quietLogger)
        try await first.attachStoredTopics(declared: [])
        try await second.attachStoredTopics(declared: [])
        try await Self.whileRunning([first, second]) {
            let orders = try TopicName("orders")

            #expect(try await first.createTopic(try memoryTopic("orders"), logger: quietLogger).created)
            try await eventually("the other service attaches the new topic") {
                otherRegistry.attached(orders)?.configuration == (try memoryTopic("orders"))
        }

        let again = try await second.createTopic(try memoryTopic("orders"), logger: quietLogger)
        #expect(!again.created, "the same topic created through another process is a repeat")
        let conflict = await #expect(throws: EventStoreError.self) {
            try await second.createTopic(try memoryTopic("orders", options: ["other": "1"]), logger: quietLogger)
        }
        #expect(conflict?.code == .topicConflict)

        let watch = try #require(otherRegistry.attached(orders)?.headWatch)
        try await first.deleteTopic(orders, logger: quietLogger)
        try await eventually("the other service detaches the deleted topic") { otherRegistry.attached(orders) == nil }
        #expect(
            await watch.wait(forHeadBeyond: 1000, until: .now + .seconds(10)),
            "readers waiting in the other process learn at once that the topic is gone"
        )

        // A topic another process re-creates differently is re-bound here too.
        _ = try await second.createTopic(try memoryTopic("orders"), logger: quietLogger)
        try await eventually("the first service attaches the topic again") { registry.attached(orders) != nil }
        try await second.deleteTopic(orders, logger: quietLogger)
        _ = try await second.createTopic(try memoryTopic("orders", options: ["other": "1"]), logger: quietLogger)
        try await eventually("the first service re-binds the topic") { registry.attached(orders)?.configuration.options == ["other": "1"] }
        }
    }

    /// Runs `services` (they follow their catalog while they run) during `body`, then ends them as a shutdown does.
    static func whileRunning(_ services: [TopicService], _ body: () async throws -> Void) async throws {
        let running = services.map { service in Task { try await service.run() } }
        defer { for task in running { task.cancel() } }
        try await body()
        for task in running {
            task.cancel()
            _ = try? await task.value
        }
    }

    @Test func anUnreadableSharedCatalogChangesNoTopics() async throws {
        let shared = SharedCatalog()
        let topics = TopicService(registry: registry, adapters: [MemoryStorageAdapter()], catalog: shared, logger: quietLogger)
        try await topics.attachStoredTopics(declared: [])
        try await Self.whileRunning([topics]) {
            _ = try await topics.createTopic(try memoryTopic("orders"), logger: quietLogger)

            shared.unreadable.withLock { $0 = true }
            await topics.followCatalog()
            #expect(registry.attached(try TopicName("orders"))?.state == .ready, "a catalog that cannot be read detaches nothing")

            try await shared.remove(try TopicName("orders"), logger: quietLogger)
            #expect(registry.attached(try TopicName("orders")) != nil)
            shared.unreadable.withLock { $0 = false }
            shared.notify()
            try await eventually("the removal is followed once the catalog can be read") { registry.attached(try TopicName("orders")) == nil }
        }
    }
}
