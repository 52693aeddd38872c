import EventStoreCore
import Logging

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
    func append(_ events: [NewEvent], condition: AppendCondition?, logger: Logger) async throws -> AppendResult { throw DiskOnFire() }
    func read(from offset: Int64, limit: Int, filter: EventFilter, logger: Logger) async throws -> EventPage { throw DiskOnFire() }
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
}

/// A catalog whose writes fail.
struct ReadOnlyCatalog: TopicCatalog {
    var stored: [TopicConfiguration] = []
    func load(logger: Logger) async throws -> [TopicConfiguration] { self.stored }
    func save(_ configuration: TopicConfiguration, logger: Logger) async throws { throw DiskOnFire() }
    func remove(_ name: TopicName, logger: Logger) async throws { throw DiskOnFire() }
}

/// A clock that always says the same time.
struct FixedClock: WallClock {
    var date = Date(timeIntervalSince1970: 1_795_000_000)
    func now() -> Date { self.date }
}
