import EventStoreCore
import EventStoreTesting
import Logging
import MemoryStorage
import Testing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@Suite("Memory adapter")
struct MemoryEventLogTests {
    @Test(arguments: EventLogConformance.Check.allCases)
    func conformance(_ check: EventLogConformance.Check) async throws {
        try await EventLogConformance { MemoryEventLog() }.run(check)
    }

    @Test func reattachingATopicFindsItsEventsAgain() async throws {
        let adapter = MemoryStorageAdapter()
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let configuration = TopicConfiguration(name: try TopicName("orders"), adapter: .memory)
        let log = try await adapter.openLog(for: configuration, logger: logger)
        _ = try await log.append([NewEvent(id: .init(), type: "A", timestamp: .init())], condition: nil, logger: logger)
        try await log.close(logger: logger)
        let reopened = try await adapter.openLog(for: configuration, logger: logger)
        #expect(try await reopened.head(logger: logger) == 1)
        let other = try await adapter.openLog(for: TopicConfiguration(name: try TopicName("other"), adapter: .memory), logger: logger)
        #expect(try await other.head(logger: logger) == 0)
    }
}
