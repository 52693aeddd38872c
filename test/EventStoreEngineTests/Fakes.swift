import EventStoreCore
import EventStoreEngine
import Logging
import MemoryStorage
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A storage error that is not an `EventStoreError`, as a real adapter might throw.
struct DiskOnFire: Error {}

/// A log whose appends and reads fail, as storage that went away after it was opened; `headFails` makes even its
/// head unreadable.
struct BrokenEventLog: EventLog {
    var headFails = false
    /// Counts the reads tried, so a test can wait for retries instead of sleeping.
    var reads = Counter()
    func append(_ events: [NewEvent], condition: AppendCondition?, logger: Logger) async throws -> AppendResult { throw DiskOnFire() }
    func read(from offset: Int64, limit: Int, maxBytes: Int, filter: EventFilter, logger: Logger) async throws -> EventPage {
        self.reads.increment()
        throw DiskOnFire()
    }
    func head(logger: Logger) async throws -> Int64 {
        if self.headFails { throw DiskOnFire() }
        return 0
    }
    func close(logger: Logger) async throws {}
}

/// An adapter of any kind whose logs are given by the test, or that fails to open.
struct ScriptedStorageAdapter: StorageAdapter {
    var kind: AdapterKind
    var open: @Sendable (TopicConfiguration) throws -> any EventLog

    func validate(_ configuration: TopicConfiguration) throws {}

    func openLog(for configuration: TopicConfiguration, logger: Logger) async throws -> any EventLog {
        try self.open(configuration)
    }

    func openSnapshot(for configuration: TopicConfiguration, logger: Logger) async throws -> any EventLog {
        try self.open(configuration)
    }
}

/// A catalog whose writes fail.
struct ReadOnlyCatalog: TopicCatalog {
    var stored: [TopicConfiguration] = []
    func load(logger: Logger) async throws -> [TopicConfiguration] { self.stored }
    func add(_ configuration: TopicConfiguration, logger: Logger) async throws -> CatalogAddition { throw DiskOnFire() }
    func replace(_ configuration: TopicConfiguration, logger: Logger) async throws { throw DiskOnFire() }
    func remove(_ name: TopicName, logger: Logger) async throws { throw DiskOnFire() }
}

/// A clock that always says the same time.
struct FixedClock: WallClock {
    var date = Date(timeIntervalSince1970: 1_795_000_000)
    func now() -> Date { self.date }
}

/// A clock that says a second later each time it is asked.
final class SteppingClock: WallClock {
    private let calls = Mutex(0)
    func now() -> Date {
        Date(timeIntervalSince1970: 1_795_000_000 + Double(self.calls.withLock { calls in
            calls += 1
            return calls
        }))
    }
}

/// A memory log whose reads examine at most `examinedPerRead` events each, as an fs topic's filtered reads stop at
/// their scan bound: a read may end, with no events, before the head.
struct ScanBoundedEventLog: EventLog {
    var examinedPerRead: Int
    let storage = MemoryEventLog()

    func append(_ events: [NewEvent], condition: AppendCondition?, logger: Logger) async throws -> AppendResult {
        try await self.storage.append(events, condition: condition, logger: logger)
    }
    func read(from offset: Int64, limit: Int, maxBytes: Int, filter: EventFilter, logger: Logger) async throws -> EventPage {
        let examined = try await self.storage.read(from: offset, limit: self.examinedPerRead, maxBytes: .max, filter: .all, logger: logger)
        let matching = examined.events.filter { filter.matches($0) }.prefix(limit)
        let next = matching.count == limit ? matching.last!.offset + 1 : examined.nextOffset
        return EventPage(events: Array(matching), nextOffset: next, head: examined.head)
    }
    func head(logger: Logger) async throws -> Int64 { try await self.storage.head(logger: logger) }
    func close(logger: Logger) async throws {}
}

/// A working log whose storage check is given by the test: storage that stops answering while the topic is open.
struct CheckedEventLog: EventLog {
    /// False stands for local storage, which `/health` does not ask.
    var checks = true
    var check: @Sendable () async throws -> Void
    let storage = MemoryEventLog()

    func append(_ events: [NewEvent], condition: AppendCondition?, logger: Logger) async throws -> AppendResult {
        try await self.storage.append(events, condition: condition, logger: logger)
    }
    func read(from offset: Int64, limit: Int, maxBytes: Int, filter: EventFilter, logger: Logger) async throws -> EventPage {
        try await self.storage.read(from: offset, limit: limit, maxBytes: maxBytes, filter: filter, logger: logger)
    }
    func head(logger: Logger) async throws -> Int64 { try await self.storage.head(logger: logger) }
    func close(logger: Logger) async throws {}
    var checksAvailability: Bool { self.checks }
    func checkAvailability(logger: Logger) async throws { try await self.check() }
}

/// A catalog several services share, telling each of them about every change, as a PostgreSQL catalog does.
final class SharedCatalog: TopicCatalog {
    private let stored = MemoryTopicCatalog()
    private let observers = Mutex<[@Sendable () -> Void]>([])
    /// Makes every read fail, as a catalog database that went away.
    let unreadable = Mutex(false)

    func load(logger: Logger) async throws -> [TopicConfiguration] {
        if self.unreadable.withLock({ $0 }) { throw DiskOnFire() }
        return try await self.stored.load(logger: logger)
    }

    func add(_ configuration: TopicConfiguration, logger: Logger) async throws -> CatalogAddition {
        let addition = try await self.stored.add(configuration, logger: logger)
        if addition == .added { self.notify() }
        return addition
    }

    func replace(_ configuration: TopicConfiguration, logger: Logger) async throws {
        try await self.stored.replace(configuration, logger: logger)
        self.notify()
    }

    func remove(_ name: TopicName, logger: Logger) async throws {
        try await self.stored.remove(name, logger: logger)
        self.notify()
    }

    func observeChanges(_ onChange: @escaping @Sendable () -> Void) {
        self.observers.withLock { $0.append(onChange) }
    }

    /// Tells every service the catalog changed, as a listener does after reconnecting.
    func notify() {
        for observer in self.observers.withLock({ $0 }) { observer() }
    }
}

/// A count shared by copies of a fake.
final class Counter: Sendable {
    private let value = Atomic(0)
    var count: Int { self.value.load(ordering: .relaxed) }
    func increment() { self.value.add(1, ordering: .relaxed) }
}

extension TopicService {
    /// A topic service with the built-in projection kinds, keeping read models in memory.
    init(registry: TopicRegistry, adapters: [any StorageAdapter], catalog: any TopicCatalog, storageCheckTimeout: Duration = .seconds(2), logger: Logger) {
        self.init(
            registry: registry,
            adapters: adapters,
            catalog: catalog,
            projections: ProjectionService(registry: registry, reader: EventReader(topics: registry, limits: ReadLimits()), logger: logger),
            memoryProjectionStore: { MemoryProjectionStore() },
            storageCheckTimeout: storageCheckTimeout,
            logger: logger
        )
    }
}
