@testable import AzureBlobStorage
import EventStoreCore
import EventStoreTesting
import Foundation
import Logging
import NIOPosix
import Synchronization
import Testing

/// The blob log against the fake Blob service: the event-log conformance suite with one writer and with two (two
/// "processes" racing on one topic), roll-over, and the faults of a real service.
@Suite("Blob event log against the fake Blob service")
struct BlobEventLogTests {
    static func open(_ server: FakeBlobServer, prefix: String = "orders", options: BlobEventLog.Options = .init(pollInterval: .milliseconds(200))) async throws -> BlobEventLog {
        let client = try server.client()
        _ = try await client.createContainer()
        return try await BlobEventLog.open(client: client, prefix: prefix, topic: "orders", options: options, logger: quietLogger)
    }

    static func event(_ type: String = "Placed", id: UUID = UUID()) -> NewEvent {
        NewEvent(id: id, type: type, data: RawJSON(validatedBytes: Array(#"{"n":1}"#.utf8)), timestamp: Date())
    }

    @Test(arguments: EventLogConformance.Check.allCases)
    func conformance(_ check: EventLogConformance.Check) async throws {
        try await FakeBlobServer.with { server in
            try await EventLogConformance {
                let log = try await Self.open(server)
                return (log, { try await Self.open(server) })
            }.run(check)
        }
    }

    /// The same suite against a real account or Azurite, when `EVENTSTORE_TEST_BLOB_CONNECTION` gives its connection
    /// string (container `eventstore-tests`, created if missing; a fresh prefix per check). Skipped without it.
    @Test(arguments: EventLogConformance.Check.allCases)
    func conformanceOnAnAccountOfYourOwn(_ check: EventLogConformance.Check) async throws {
        guard let connection = ProcessInfo.processInfo.environment["EVENTSTORE_TEST_BLOB_CONNECTION"] else {
            if check == .emptyLogHasHeadZero {
                print("note: set EVENTSTORE_TEST_BLOB_CONNECTION to a connection string to run the blob conformance suite on Azure or Azurite")
            }
            return
        }
        let transport = CurlTransport(threadPool: BlobTestThreads.pool, timeout: .seconds(30), connectTimeout: .seconds(5))
        let client = BlobContainerClient(account: try BlobAccount(connection: connection), container: "eventstore-tests", transport: transport)
        _ = try await client.createContainer()
        let prefix = "conformance-\(UUID().uuidString.lowercased())"
        try await EventLogConformance {
            let open: @Sendable () async throws -> any EventLog = {
                try await BlobEventLog.open(client: client, prefix: prefix, topic: "orders", options: .init(), logger: quietLogger)
            }
            return (try await open(), open)
        }.run(check)
    }

    /// Every append goes to one of two logs of the same topic in turn, as if two servers wrote it.
    @Test(arguments: EventLogConformance.Check.allCases)
    func conformanceWithTwoWriters(_ check: EventLogConformance.Check) async throws {
        try await FakeBlobServer.with { server in
            try await EventLogConformance {
                let pair = TwoWriters(try await Self.open(server), try await Self.open(server))
                return (pair, { TwoWriters(try await Self.open(server), try await Self.open(server)) })
            }.run(check)
        }
    }

    @Test func segmentsRollOverUnderRacingWriters() async throws {
        try await FakeBlobServer.with { server in
            try await server.faults(#"{"block_limit": 3}"#)
            let (first, second) = (try await Self.open(server), try await Self.open(server))
            // Both poll their tails meanwhile, as servers do.
            first.observeExternalAppends { _ in }
            second.observeExternalAppends { _ in }
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Four publishers, two per writer, each publishing one batch after the other: many frames.
                for publisher in 0..<4 {
                    group.addTask {
                        for index in 0..<15 {
                            let log = publisher % 2 == 0 ? first : second
                            _ = try await log.append([Self.event("E\(publisher)-\(index)"), Self.event()], condition: nil, logger: quietLogger)
                        }
                    }
                }
                try await group.waitForAll()
            }
            try await first.refresh()
            let events = try await readAllEvents(first)
            #expect(events.map(\.offset) == Array(0..<120))
            #expect(Set(events.map(\.id)).count == 120)
            // Each batch stays whole and in order.
            for index in stride(from: 0, to: 120, by: 2) { #expect(events[index].type.hasPrefix("E") && events[index + 1].type == "Placed") }
            let listing = try await server.client().list(prefix: "orders/seg-")
            #expect(listing.blobs.count > 5, "\(listing.blobs.count) segments")
            #expect(listing.blobs.dropLast().allSatisfy { $0.sealed }, "every full segment is sealed")
            let reopened = try await Self.open(server)
            #expect(try await reopened.head(logger: quietLogger) == 120)
            #expect(try await readAllEvents(reopened).map(\.id) == events.map(\.id))
            try await first.close(logger: quietLogger)
            try await second.close(logger: quietLogger)
        }
    }

    /// Reading a topic of many segments keeps the frame indexes of the last two and of at most 16 others.
    @Test func frameIndexesOfOldSegmentsAreBounded() async throws {
        try await FakeBlobServer.with { server in
            try await server.faults(#"{"block_limit": 2}"#)
            let writer = try await Self.open(server)
            for index in 0..<50 { _ = try await writer.append([Self.event("E\(index)")], condition: nil, logger: quietLogger) }
            let reader = try await Self.open(server)
            #expect(reader.indexedSegments == 2, "the tail and the one before it")
            #expect(try await readAllEvents(reader).map(\.type) == (0..<50).map { "E\($0)" })
            #expect(reader.indexedSegments <= 2 + BlobEventLog.keptIndexes)
            #expect(try await server.client().list(prefix: "orders/seg-").blobs.count == 25)
        }
    }

    @Test func idempotencyHoldsAcrossWritersAndRestarts() async throws {
        try await FakeBlobServer.with { server in
            let (first, second) = (try await Self.open(server), try await Self.open(server))
            let event = Self.event()
            let stored = try await first.append([event], condition: nil, logger: quietLogger)
            let again = try await second.append([event, Self.event()], condition: nil, logger: quietLogger)
            #expect(again.entries.map(\.offset) == [stored.entries[0].offset, 1])
            #expect(again.entries.map(\.duplicate) == [true, false])
            let restarted = try await Self.open(server)
            #expect(try await restarted.append([event], condition: nil, logger: quietLogger).entries[0].duplicate)
            #expect(try await restarted.head(logger: quietLogger) == 2)
        }
    }

    @Test func anotherWritersAppendsWakeThisProcess() async throws {
        try await FakeBlobServer.with { server in
            let (writer, watcher) = (try await Self.open(server), try await Self.open(server))
            let seen = Mutex<Int64>(0)
            watcher.observeExternalAppends { head in seen.withLock { $0 = max($0, head) } }
            _ = try await writer.append([Self.event(), Self.event()], condition: nil, logger: quietLogger)
            // Woken by its poll (every 200 ms here, every second in a server), with no append of its own.
            try await eventually("the watcher sees head 2", timeout: .seconds(10)) { seen.withLock { $0 } == 2 }
            #expect(try await watcher.read(from: 0, limit: 10, filter: .all, logger: quietLogger).events.count == 2)
            try await watcher.close(logger: quietLogger)
        }
    }

    @Test func faultsOfTheServiceLoseNothingAndStoreNothingTwice() async throws {
        try await FakeBlobServer.with { server in
            let log = try await Self.open(server)
            var answered: [(UUID, Int64)] = []
            try await server.faults(#"{"drop_after_commit": 2}"#)
            for _ in 0..<3 {
                let event = Self.event()
                answered.append((event.id, try await log.append([event], condition: nil, logger: quietLogger).entries[0].offset))
            }
            try await server.faults(#"{"force_412": 3, "server_busy": 2, "retry_after": 0}"#)
            for _ in 0..<3 {
                let event = Self.event()
                answered.append((event.id, try await log.append([event], condition: nil, logger: quietLogger).entries[0].offset))
            }
            let events = try await readAllEvents(try await Self.open(server))
            #expect(events.map(\.offset) == Array(0..<6), "each append stored once, in order")
            #expect(events.map(\.id) == answered.map(\.0), "each answer names what is stored")
            #expect(answered.map(\.1) == Array(0..<6))
        }
    }

    /// A service busy past the retry budget: the publish is 503 saying the events may or may not be stored, and
    /// publishing them again with the same ids stores them once.
    @Test func aServiceBusyPastTheBudgetLeavesTheOutcomeOpen() async throws {
        try await FakeBlobServer.with { server in
            let client = try server.client(retryBudget: .milliseconds(300))
            _ = try await client.createContainer()
            let log = try await BlobEventLog.open(client: client, prefix: "orders", topic: "orders", options: .init(pollInterval: .seconds(60)), logger: quietLogger)
            let event = Self.event()
            try await server.faults(#"{"server_busy": 1000, "retry_after": 0}"#)
            let error = await expectError(.storageUnavailable) { _ = try await log.append([event], condition: nil, logger: quietLogger) }
            #expect(error?.message.contains("may or may not be stored") == true, "\(String(describing: error))")
            try await server.faults(#"{"server_busy": 0}"#)
            #expect(try await log.append([event], condition: nil, logger: quietLogger).entries.map(\.offset) == [0])
            #expect(try await log.append([event], condition: nil, logger: quietLogger).entries.map(\.duplicate) == [true])
            #expect(try await readAllEvents(try await Self.open(server)).map(\.id) == [event.id])
            try await log.close(logger: quietLogger)
        }
    }

    /// A listing of segments that never ends (the service names a marker twice) is `storageCorrupted`, not a hang.
    @Test func aListingThatNeverEndsIsReported() async throws {
        try await FakeBlobServer.with { server in
            let log = try await Self.open(server)
            _ = try await log.append([Self.event()], condition: nil, logger: quietLogger)
            try await server.faults(#"{"repeat_marker": 5}"#)
            let error = await expectError(.storageCorrupted) { _ = try await Self.open(server) }
            #expect(error?.message.contains("does not end") == true, "\(String(describing: error))")
        }
    }

    @Test func aWrongKeyIsAClearUnavailableError() async throws {
        try await FakeBlobServer.with { server in
            let adapter = BlobStorageAdapter(threadPool: BlobTestThreads.pool)
            let wrong = Data((0..<64).map { UInt8($0) }).base64EncodedString()
            let configuration = TopicConfiguration(
                name: try TopicName("orders"),
                adapter: .azureBlob,
                connection: server.connectionString(key: wrong),
                options: ["container": server.container, "createContainerIfNotExist": "true"]
            )
            let error = await expectError(.storageUnavailable) { _ = try await adapter.openLog(for: configuration, logger: quietLogger) }
            #expect(error?.message.contains("refused the credentials") == true, "\(String(describing: error))")
            #expect(error?.message.contains(wrong) == false)
        }
    }

    @Test func aBatchLargerThanAFrameIsRefusedAndTheOthersStored() async throws {
        try await FakeBlobServer.with { server in
            let log = try await Self.open(server)
            let big = String(repeating: "x", count: 1 << 20)
            let huge = (0..<5).map { _ in NewEvent(id: UUID(), type: "Big", data: RawJSON(validatedBytes: Array("\"\(big)\"".utf8)), timestamp: Date()) }
            await expectError(.payloadTooLarge) { _ = try await log.append(huge, condition: nil, logger: quietLogger) }
            // Three publishes of 1.5 MiB each at once: they cannot share one frame, and are stored whole.
            let parts = try await withThrowingTaskGroup(of: AppendResult.self) { group in
                for _ in 0..<3 { group.addTask { try await log.append(Array(huge.prefix(1).map { NewEvent(id: UUID(), type: $0.type, data: $0.data, timestamp: $0.timestamp) }) + [Self.event()], condition: nil, logger: quietLogger) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(parts.count == 3)
            #expect(try await log.head(logger: quietLogger) == 6)
        }
    }

    /// Bytes that are not the frames they should be are `storageCorrupted`, never skipped: garbage, a frame that
    /// begins at another offset than the one before it ended, a segment that does not begin where the one before ended.
    @Test func corruptSegmentsAreReportedNeverSkipped() async throws {
        try await FakeBlobServer.with { server in
            let client = try server.client()
            _ = try await client.createContainer()
            func event(at offset: Int64) -> Event { Event(id: UUID(), offset: offset, type: "E", data: .null, timestamp: Date()) }
            // Garbage where a frame should start.
            _ = try await client.createAppendBlob(BlobEventLog.segmentName("garbage", 0))
            try await client.appendBlock(BlobEventLog.segmentName("garbage", 0), Array("not a frame at all, but long enough to be read as one".utf8), at: 0, maxSize: 1 << 20)
            await expectError(.storageCorrupted) { _ = try await BlobEventLog.open(client: client, prefix: "garbage", topic: "t", options: .init(), logger: quietLogger) }
            // A frame of offset 5 where offset 0 should be.
            _ = try await client.createAppendBlob(BlobEventLog.segmentName("gap", 0))
            try await client.appendBlock(BlobEventLog.segmentName("gap", 0), BlobFrame.encode([event(at: 5)], writer: UUID(), batch: 1), at: 0, maxSize: 1 << 20)
            let gap = await expectError(.storageCorrupted) { _ = try await BlobEventLog.open(client: client, prefix: "gap", topic: "t", options: .init(), logger: quietLogger) }
            #expect(gap?.message.contains("not 0") == true, "\(String(describing: gap))")
            // Two segments that do not meet: the first ends at 1, the second is named 7.
            for (first, offset) in [(Int64(0), Int64(0)), (7, 7)] {
                let name = BlobEventLog.segmentName("apart", first)
                _ = try await client.createAppendBlob(name)
                try await client.appendBlock(name, BlobFrame.encode([event(at: offset)], writer: UUID(), batch: 1), at: 0, maxSize: 1 << 20)
            }
            await expectError(.storageCorrupted) { _ = try await BlobEventLog.open(client: client, prefix: "apart", topic: "t", options: .init(), logger: quietLogger) }
        }
    }

    /// A segment that refuses even its first frame (the service's block limit at zero here) is a clear 503; no empty
    /// segment is sealed and nothing is stored.
    @Test func aSegmentThatRefusesItsFirstFrameIsUnavailable() async throws {
        try await FakeBlobServer.with { server in
            let log = try await Self.open(server)
            try await server.faults(#"{"block_limit": 0}"#)
            let error = await expectError(.storageUnavailable) { _ = try await log.append([Self.event()], condition: nil, logger: quietLogger) }
            #expect(error?.message.contains("refuses its first frame") == true, "\(String(describing: error))")
            let listing = try await server.client().list(prefix: "orders/seg-")
            #expect(listing.blobs.map(\.sealed) == [false])
            #expect(try await log.head(logger: quietLogger) == 0)
        }
    }
}

/// Two logs of one topic, written in turn: each append goes to the next; reads and heads come from a log that has
/// caught up with the other's appends first.
final class TwoWriters: EventLog {
    let logs: [BlobEventLog]
    private let turn = Atomic(0)

    init(_ first: BlobEventLog, _ second: BlobEventLog) {
        self.logs = [first, second]
    }

    private var next: BlobEventLog { self.logs[self.turn.add(1, ordering: .relaxed).oldValue % 2] }

    func append(_ events: [NewEvent], condition: AppendCondition?, logger: Logger) async throws -> AppendResult {
        try await self.next.append(events, condition: condition, logger: logger)
    }

    func read(from offset: Int64, limit: Int, maxBytes: Int, filter: EventFilter, logger: Logger) async throws -> EventPage {
        let log = self.next
        try await log.refresh()
        return try await log.read(from: offset, limit: limit, maxBytes: maxBytes, filter: filter, logger: logger)
    }

    func head(logger: Logger) async throws -> Int64 {
        let log = self.next
        try await log.refresh()
        return try await log.head(logger: logger)
    }

    func close(logger: Logger) async throws {
        for log in self.logs { try await log.close(logger: logger) }
    }
}
