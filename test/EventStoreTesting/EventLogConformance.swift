public import EventStoreCore
import Logging
public import Testing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The behaviour every ``EventLog`` adapter must show, written once against the port.
///
/// An adapter's tests run every check against fresh logs of that adapter:
/// ```swift
/// @Test(arguments: EventLogConformance.Check.allCases)
/// func conformance(_ check: EventLogConformance.Check) async throws {
///     try await EventLogConformance { MemoryEventLog() }.run(check)
/// }
/// ```
public struct EventLogConformance: Sendable {
    /// One behaviour of the port.
    public enum Check: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case emptyLogHasHeadZero
        case offsetsStartAtZeroAndAreSequential
        case concurrentAppendsAreGapFreeAndBatchesContiguous
        case failedBatchWritesNothing
        case readsFromAnyOffset
        case filtersByTypeKeyAndTags
        case expectedNextOffsetCondition
        case failIfEventsMatchCondition
        case idempotentEventIDs
        case concurrentConditionalAppendsHaveOneWinner
        case concurrentDuplicatesAreStoredOnce
        case largePayloads
        case unicodeRoundTrips
        case eventFieldsRoundTrip
        case whitespaceInDataNeverSplitsARecord
        case pagesEndAtTheirByteBudget

        public var testDescription: String { self.rawValue }
    }

    /// A new, empty log, and a way to open the same log again once it is closed (as a restarted server would).
    public typealias ReopenableLog = (log: any EventLog, reopen: @Sendable () async throws -> any EventLog)

    /// A new, empty log and, for a durable adapter, a way to open it again.
    private let makeLog: @Sendable () async throws -> (log: any EventLog, reopen: (@Sendable () async throws -> any EventLog)?)

    private let logger = Logger(label: "conformance", factory: { _ in SwiftLogNoOpLogHandler() })

    /// For a volatile adapter: checks that need a restart check what they can without one.
    /// - Parameter makeLog: opens a new, empty log for each check.
    public init(makeLog: @escaping @Sendable () async throws -> any EventLog) {
        self.makeLog = { (try await makeLog(), nil) }
    }

    /// For a durable adapter: checks that need a restart close the log and open it again.
    /// - Parameter makeReopenableLog: opens a new, empty log for each check, and says how to open it again.
    public init(makeReopenableLog: @escaping @Sendable () async throws -> ReopenableLog) {
        self.makeLog = {
            let (log, reopen) = try await makeReopenableLog()
            return (log, reopen)
        }
    }

    /// Runs one check against a fresh log, then closes it.
    public func run(_ check: Check) async throws {
        var (log, reopen) = try await self.makeLog()
        switch check {
        case .emptyLogHasHeadZero: try await self.emptyLogHasHeadZero(log)
        case .offsetsStartAtZeroAndAreSequential: try await self.offsetsStartAtZeroAndAreSequential(log)
        case .concurrentAppendsAreGapFreeAndBatchesContiguous: try await self.concurrentAppendsAreGapFree(log)
        case .failedBatchWritesNothing: try await self.failedBatchWritesNothing(log)
        case .readsFromAnyOffset: try await self.readsFromAnyOffset(log)
        case .filtersByTypeKeyAndTags: try await self.filtersByTypeKeyAndTags(log)
        case .expectedNextOffsetCondition: try await self.expectedNextOffsetCondition(log)
        case .failIfEventsMatchCondition: try await self.failIfEventsMatchCondition(log)
        case .idempotentEventIDs: try await self.idempotentEventIDs(log)
        case .concurrentConditionalAppendsHaveOneWinner: try await self.concurrentConditionalAppendsHaveOneWinner(log)
        case .concurrentDuplicatesAreStoredOnce: try await self.concurrentDuplicatesAreStoredOnce(log)
        case .largePayloads: try await self.largePayloads(log)
        case .unicodeRoundTrips: try await self.unicodeRoundTrips(log)
        case .eventFieldsRoundTrip: try await self.eventFieldsRoundTrip(log)
        case .whitespaceInDataNeverSplitsARecord: log = try await self.whitespaceInDataNeverSplitsARecord(log, reopen: reopen)
        case .pagesEndAtTheirByteBudget: try await self.pagesEndAtTheirByteBudget(log)
        }
        try await log.close(logger: self.logger)
    }

    // MARK: Checks

    private func emptyLogHasHeadZero(_ log: any EventLog) async throws {
        #expect(try await log.head(logger: self.logger) == 0)
        let page = try await log.read(from: 0, limit: 10, filter: .all, logger: self.logger)
        #expect(page.events.isEmpty)
        #expect(page.head == 0)
        #expect(page.nextOffset == 0)
    }

    private func offsetsStartAtZeroAndAreSequential(_ log: any EventLog) async throws {
        var offsets: [Int64] = []
        for index in 0..<3 {
            let result = try await log.append([Self.event("single-\(index)")], condition: nil, logger: self.logger)
            offsets.append(contentsOf: result.entries.map(\.offset))
        }
        let batch = try await log.append((0..<4).map { Self.event("batch-\($0)") }, condition: nil, logger: self.logger)
        #expect(offsets == [0, 1, 2])
        #expect(batch.entries.map(\.offset) == [3, 4, 5, 6])
        #expect(batch.firstOffset == 3 && batch.lastOffset == 6)
        #expect(batch.entries.allSatisfy { !$0.duplicate })
        let page = try await log.read(from: 0, limit: 100, filter: .all, logger: self.logger)
        #expect(page.events.map(\.offset) == Array(0...6))
        #expect(page.events.map(\.type) == ["single-0", "single-1", "single-2", "batch-0", "batch-1", "batch-2", "batch-3"])
        #expect(page.head == 7)
        #expect(page.nextOffset == 7)
        #expect(try await log.head(logger: self.logger) == 7)
    }

    private func concurrentAppendsAreGapFree(_ log: any EventLog) async throws {
        let writers = 16
        let appendsPerWriter = 25
        let results = try await withThrowingTaskGroup(of: [AppendResult].self) { group in
            for writer in 0..<writers {
                group.addTask {
                    var results: [AppendResult] = []
                    for index in 0..<appendsPerWriter {
                        let size = index % 3 + 1
                        let events = (0..<size).map { Self.event("w\(writer)-\(index)-\($0)") }
                        results.append(try await log.append(events, condition: nil, logger: self.logger))
                    }
                    return results
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        for result in results {
            let offsets = result.entries.map(\.offset)
            #expect(offsets == Array(offsets[0]...offsets[0] + Int64(offsets.count - 1)), "a batch's offsets must be contiguous")
        }
        let total = results.reduce(0) { $0 + $1.entries.count }
        let offsets = results.flatMap { $0.entries.map(\.offset) }.sorted()
        #expect(offsets == Array(0..<Int64(total)), "offsets must be gap-free and unique")
        let stored = try await readAllEvents(log)
        #expect(stored.map(\.offset) == Array(0..<Int64(total)))
        let idsByOffset = Dictionary(uniqueKeysWithValues: results.flatMap(\.entries).map { ($0.offset, $0.id) })
        #expect(stored.allSatisfy { idsByOffset[$0.offset] == $0.id }, "every acknowledged id is stored at its acknowledged offset")
    }

    private func failedBatchWritesNothing(_ log: any EventLog) async throws {
        _ = try await log.append([Self.event("first")], condition: nil, logger: self.logger)
        let batch = (0..<5).map { Self.event("rejected-\($0)") }
        await expectError(.conditionFailed) {
            try await log.append(batch, condition: AppendCondition(expectedNextOffset: 0), logger: self.logger)
        }
        #expect(try await log.head(logger: self.logger) == 1)
        let stored = try await readAllEvents(log)
        #expect(stored.map(\.type) == ["first"])
        // The rejected ids were not recorded either: they can be stored afterwards.
        let retry = try await log.append(batch, condition: nil, logger: self.logger)
        #expect(retry.entries.map(\.offset) == [1, 2, 3, 4, 5])
        #expect(retry.entries.allSatisfy { !$0.duplicate })
    }

    private func readsFromAnyOffset(_ log: any EventLog) async throws {
        for chunk in 0..<10 {
            _ = try await log.append((0..<10).map { Self.event("e\(chunk * 10 + $0)") }, condition: nil, logger: self.logger)
        }
        for (from, limit) in [(0, 1), (0, 100), (1, 10), (37, 5), (99, 10), (50, 1000)] {
            let page = try await log.read(from: Int64(from), limit: limit, filter: .all, logger: self.logger)
            let expected = Array(Int64(from)..<Int64(min(from + limit, 100)))
            #expect(page.events.map(\.offset) == expected, "from \(from) limit \(limit)")
            #expect(page.events.map(\.type) == expected.map { "e\($0)" })
            #expect(page.nextOffset == (expected.last.map { $0 + 1 } ?? Int64(from)))
            #expect(page.head == 100)
        }
        let beyond = try await log.read(from: 500, limit: 10, filter: .all, logger: self.logger)
        #expect(beyond.events.isEmpty)
        #expect(beyond.head == 100)
        #expect(beyond.nextOffset >= 100)
    }

    private func filtersByTypeKeyAndTags(_ log: any EventLog) async throws {
        let events = [
            Self.event("OrderPlaced", key: "order-1", tags: ["customer:7", "region:eu"]),
            Self.event("OrderPaid", key: "order-1", tags: ["customer:7"]),
            Self.event("OrderPlaced", key: "order-2", tags: ["customer:8", "region:eu"]),
            Self.event("OrderShipped", key: nil, tags: []),
            Self.event("OrderPlaced", key: "order-3", tags: ["customer:7", "region:us"]),
        ]
        _ = try await log.append(events, condition: nil, logger: self.logger)
        func offsets(_ filter: EventFilter, from: Int64 = 0) async throws -> [Int64] {
            var result: [Int64] = []
            var next = from
            while true {
                let page = try await log.read(from: next, limit: 2, filter: filter, logger: self.logger)
                result += page.events.map(\.offset)
                #expect(page.events.allSatisfy { filter.matches($0) })
                guard page.nextOffset < page.head, page.nextOffset > next else { break }
                next = page.nextOffset
            }
            return result
        }
        #expect(try await offsets(EventFilter(types: ["OrderPlaced"])) == [0, 2, 4])
        #expect(try await offsets(EventFilter(types: ["OrderPaid", "OrderShipped"])) == [1, 3])
        #expect(try await offsets(EventFilter(keys: ["order-1"])) == [0, 1])
        #expect(try await offsets(EventFilter(keys: ["order-2", "order-3"])) == [2, 4])
        #expect(try await offsets(EventFilter(tags: ["customer:7"])) == [0, 1, 4])
        #expect(try await offsets(EventFilter(tags: ["customer:7", "region:eu"])) == [0])
        #expect(try await offsets(EventFilter(types: ["OrderPlaced"], tags: ["region:eu"])) == [0, 2])
        #expect(try await offsets(EventFilter(types: ["OrderPlaced"], keys: ["order-3"])) == [4])
        #expect(try await offsets(EventFilter(types: ["Nothing"])) == [])
        #expect(try await offsets(EventFilter(types: ["OrderPlaced"]), from: 1) == [2, 4])
    }

    private func expectedNextOffsetCondition(_ log: any EventLog) async throws {
        let first = try await log.append([Self.event("a")], condition: AppendCondition(expectedNextOffset: 0), logger: self.logger)
        #expect(first.entries.map(\.offset) == [0])
        let second = try await log.append(
            [Self.event("b"), Self.event("c")],
            condition: AppendCondition(expectedNextOffset: 1),
            logger: self.logger
        )
        #expect(second.entries.map(\.offset) == [1, 2])
        for stale in [Int64(0), 1, 2, 4] {
            do {
                _ = try await log.append([Self.event("stale")], condition: AppendCondition(expectedNextOffset: stale), logger: self.logger)
                Issue.record("expected_next_offset \(stale) must fail at head 3")
            } catch let error as EventStoreError {
                #expect(error.code == .conditionFailed)
                #expect(error.head == 3)
            }
        }
        #expect(try await readAllEvents(log).map(\.type) == ["a", "b", "c"])
    }

    private func failIfEventsMatchCondition(_ log: any EventLog) async throws {
        _ = try await log.append(
            [
                Self.event("CourseDefined", tags: ["course:c1"]),
                Self.event("StudentSubscribed", tags: ["course:c1", "student:s1"]),
                Self.event("CourseDefined", tags: ["course:c2"]),
            ],
            condition: nil,
            logger: self.logger
        )
        let subscriptions = EventFilter(types: ["StudentSubscribed"], tags: ["course:c1"])
        // A matching event exists at offset 1: any `after` below 1 fails, 1 or more passes.
        for after in [nil, Int64(-1), 0] {
            await expectError(.conditionFailed) {
                try await log.append(
                    [Self.event("StudentSubscribed", tags: ["course:c1", "student:s2"])],
                    condition: AppendCondition(failIfEventsMatch: subscriptions, after: after),
                    logger: self.logger
                )
            }
        }
        #expect(try await log.head(logger: self.logger) == 3)
        let passed = try await log.append(
            [Self.event("StudentSubscribed", tags: ["course:c1", "student:s2"])],
            condition: AppendCondition(failIfEventsMatch: subscriptions, after: 1),
            logger: self.logger
        )
        #expect(passed.entries.map(\.offset) == [3])
        // No event matches this filter at all, whatever `after` is.
        let other = try await log.append(
            [Self.event("StudentSubscribed", tags: ["course:c3"])],
            condition: AppendCondition(failIfEventsMatch: EventFilter(types: ["StudentSubscribed"], tags: ["course:c3"])),
            logger: self.logger
        )
        #expect(other.entries.map(\.offset) == [4])
        // Both kinds at once: both must hold.
        await expectError(.conditionFailed) {
            try await log.append(
                [Self.event("x")],
                condition: AppendCondition(expectedNextOffset: 5, failIfEventsMatch: subscriptions, after: 2),
                logger: self.logger
            )
        }
        #expect(try await log.head(logger: self.logger) == 5)
    }

    private func idempotentEventIDs(_ log: any EventLog) async throws {
        let original = Self.event("Created")
        let first = try await log.append([original], condition: nil, logger: self.logger)
        _ = try await log.append([Self.event("Other")], condition: nil, logger: self.logger)
        var retried = original
        retried.type = "CreatedAgain"
        let repeatResult = try await log.append([retried], condition: nil, logger: self.logger)
        #expect(repeatResult.entries == [AppendResult.Entry(id: original.id, offset: first.entries[0].offset, duplicate: true)])
        #expect(try await log.head(logger: self.logger) == 2)
        // A retried conditional append whose events were all stored succeeds without re-checking the condition.
        let conditional = try await log.append([original], condition: AppendCondition(expectedNextOffset: 0), logger: self.logger)
        #expect(conditional.entries.map(\.offset) == [0])
        // A partly stored batch stores only the new events.
        let fresh = Self.event("Fresh")
        let mixed = try await log.append([original, fresh], condition: nil, logger: self.logger)
        #expect(mixed.entries.map(\.offset) == [0, 2])
        #expect(mixed.entries.map(\.duplicate) == [true, false])
        let stored = try await readAllEvents(log)
        #expect(stored.map(\.type) == ["Created", "Other", "Fresh"])
        #expect(stored.map(\.id) == [original.id, stored[1].id, fresh.id])
    }

    private func concurrentConditionalAppendsHaveOneWinner(_ log: any EventLog) async throws {
        _ = try await log.append([Self.event("Seed")], condition: nil, logger: self.logger)
        // Many writers decide on the same state at once: exactly one may win each race.
        let expectedWinners = try await self.racers(log, count: 20) { index in
            AppendCondition(expectedNextOffset: 1)
        }
        #expect(expectedWinners == 1, "expected_next_offset: \(expectedWinners) winners")
        let claim = EventFilter(types: ["Claimed"], tags: ["seat:7"])
        let dcbWinners = try await self.racers(log, count: 20, type: "Claimed", tags: ["seat:7"]) { _ in
            AppendCondition(failIfEventsMatch: claim, after: 1)
        }
        #expect(dcbWinners == 1, "fail_if_events_match: \(dcbWinners) winners")
        let stored = try await readAllEvents(log)
        #expect(stored.map(\.offset) == [0, 1, 2])
        #expect(stored.filter { claim.matches($0) }.count == 1)
    }

    /// Appends `count` single events at once, each under its condition; returns how many succeeded.
    private func racers(
        _ log: any EventLog,
        count: Int,
        type: String = "Raced",
        tags: [String] = [],
        condition: @escaping @Sendable (Int) -> AppendCondition
    ) async throws -> Int {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<count {
                group.addTask {
                    do {
                        _ = try await log.append([Self.event(type, tags: tags)], condition: condition(index), logger: self.logger)
                        return true
                    } catch let error as EventStoreError where error.code == .conditionFailed {
                        return false
                    }
                }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
    }

    private func concurrentDuplicatesAreStoredOnce(_ log: any EventLog) async throws {
        let event = Self.event("Once")
        let results = try await withThrowingTaskGroup(of: AppendResult.self) { group in
            for _ in 0..<20 {
                group.addTask { try await log.append([event], condition: nil, logger: self.logger) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.filter { $0.storedAny }.count == 1)
        #expect(Set(results.flatMap { $0.entries.map(\.offset) }) == [0])
        #expect(try await readAllEvents(log).map(\.id) == [event.id])
    }

    private func largePayloads(_ log: any EventLog) async throws {
        let items = (0..<40_000).map { "\"item-\($0)\"" }.joined(separator: ",")
        let data = RawJSON(validatedBytes: Array("{\"items\":[\(items)]}".utf8))
        #expect(data.bytes.count > 500_000)
        let event = Self.event("Large", data: data)
        _ = try await log.append([event], condition: nil, logger: self.logger)
        _ = try await log.append([Self.event("Small")], condition: nil, logger: self.logger)
        let stored = try await readAllEvents(log)
        #expect(stored.count == 2)
        #expect(stored.first?.data == data)
        #expect(stored.last?.type == "Small")
    }

    private func unicodeRoundTrips(_ log: any EventLog) async throws {
        let event = NewEvent(
            id: UUID(),
            type: "Grüße 👋 заказ",
            key: "ключ/键/🔑",
            tags: ["naïve", "日本語", "quote\"back\\slash", "line\nbreak"],
            data: RawJSON(validatedBytes: Array(#"{"text":"héllo \u00e9 \ud83d\ude00 😀","nested":["ü",{"ß":1}]}"#.utf8)),
            metadata: ["clé": "värde ✓", "emoji": "🎉"],
            timestamp: Date()
        )
        _ = try await log.append([event], condition: nil, logger: self.logger)
        let stored = try #require(try await readAllEvents(log).first)
        #expect(stored.type == event.type)
        #expect(stored.key == event.key)
        #expect(stored.tags == event.tags)
        #expect(stored.metadata == event.metadata)
        #expect(stored.data == event.data)
        let byTag = try await log.read(from: 0, limit: 10, filter: EventFilter(tags: ["日本語"]), logger: self.logger)
        #expect(byTag.events.map(\.id) == [event.id])
    }

    private func eventFieldsRoundTrip(_ log: any EventLog) async throws {
        let timestamp = Date(timeIntervalSince1970: 1_795_000_000.123456)
        let events = [
            NewEvent(
                id: UUID(),
                type: "Full",
                key: "k",
                tags: ["a", "b"],
                data: RawJSON(validatedBytes: Array(#"{"n": 1.5e3, "list": [true, false, null]}"#.utf8)),
                metadata: ["source": "test", "trace": "abc"],
                timestamp: timestamp
            ),
            NewEvent(id: UUID(), type: "Bare", timestamp: timestamp),
        ]
        _ = try await log.append(events, condition: nil, logger: self.logger)
        let stored = try await readAllEvents(log)
        #expect(stored.count == 2)
        for (event, recorded) in zip(events, stored) {
            #expect(recorded.id == event.id)
            #expect(recorded.type == event.type)
            #expect(recorded.key == event.key)
            #expect(recorded.tags == event.tags)
            #expect(recorded.data == event.data)
            #expect(recorded.metadata == event.metadata)
            #expect(abs(recorded.timestamp.timeIntervalSince(event.timestamp)) < 0.000_01, "timestamps keep microseconds")
        }
    }

    /// Line breaks, tabs and CRLF between the tokens of `data` (a client's pretty-printed JSON) are removed before
    /// storage, so every adapter serves the same compact bytes and none can split a line-framed record; escaped ones
    /// inside strings are kept. The events are all there, at their offsets, after a restart too.
    private func whitespaceInDataNeverSplitsARecord(
        _ log: any EventLog,
        reopen: (@Sendable () async throws -> any EventLog)?
    ) async throws -> any EventLog {
        let pretty = "{\n\t\"lines\" : [1,\r\n 2],\n  \"text\": \"a b\\n\\tc \\\" \\\\\",\r\n\t\"empty\": {  }\r\n}\n"
        let compact = #"{"lines":[1,2],"text":"a b\n\tc \" \\","empty":{}}"#
        let event = Self.event("Pretty", data: RawJSON(validatedBytes: Array(pretty.utf8)))
        #expect(event.data.bytes == Array(compact.utf8))
        _ = try await log.append([event], condition: nil, logger: self.logger)
        _ = try await log.append([Self.event("After")], condition: nil, logger: self.logger)
        func expectBothStored(_ log: any EventLog) async throws {
            let stored = try await readAllEvents(log)
            #expect(stored.map(\.type) == ["Pretty", "After"])
            #expect(stored.map(\.offset) == [0, 1])
            #expect(stored.first.map { String(decoding: $0.data.bytes, as: UTF8.self) } == compact)
            #expect(try await log.head(logger: self.logger) == 2)
        }
        try await expectBothStored(log)
        guard let reopen else { return log }
        try await log.close(logger: self.logger)
        let reopened = try await reopen()
        try await expectBothStored(reopened)
        #expect(try await reopened.append([Self.event("Later")], condition: nil, logger: self.logger).entries.map(\.offset) == [2])
        return reopened
    }

    /// A page ends before the event that would take its payloads past `maxBytes`, says where to continue, and
    /// holds at least one event however small the budget.
    private func pagesEndAtTheirByteBudget(_ log: any EventLog) async throws {
        let padding = String(repeating: "x", count: 990)
        let events = (0..<10).map { Self.event($0 % 2 == 0 ? "Even" : "Odd", data: RawJSON(validatedBytes: Array("\"\(padding)\"".utf8))) }
        _ = try await log.append(events, condition: nil, logger: self.logger)
        let size = try #require(try await readAllEvents(log).first).payloadSize
        #expect(size > 990 && size < 1100)

        let page = try await log.read(from: 0, limit: 100, maxBytes: size * 3 + size / 2, filter: .all, logger: self.logger)
        #expect(page.events.map(\.offset) == [0, 1, 2])
        #expect(page.nextOffset == 3)
        let next = try await log.read(from: page.nextOffset, limit: 100, maxBytes: size * 3 + size / 2, filter: .all, logger: self.logger)
        #expect(next.events.map(\.offset) == [3, 4, 5])

        let tiny = try await log.read(from: 4, limit: 100, maxBytes: 1, filter: .all, logger: self.logger)
        #expect(tiny.events.map(\.offset) == [4], "at least one event")
        #expect(tiny.nextOffset == 5)

        // Budgets fall between event sizes: an adapter may count a few bytes more per event (PostgreSQL counts
        // metadata as its JSON text).
        let odd = try await log.read(from: 0, limit: 100, maxBytes: size * 2 + size / 2, filter: EventFilter(types: ["Odd"]), logger: self.logger)
        #expect(odd.events.map(\.offset) == [1, 3])
        #expect(odd.nextOffset == 4 || odd.nextOffset == 5, "continues after the last event served, before the next match")
        let rest = try await log.read(
            from: odd.nextOffset,
            limit: 100,
            maxBytes: size * 2 + size / 2,
            filter: EventFilter(types: ["Odd"]),
            logger: self.logger
        )
        #expect(rest.events.map(\.offset) == [5, 7])

        let all = try await log.read(from: 0, limit: 100, maxBytes: .max, filter: .all, logger: self.logger)
        #expect(all.events.count == 10 && all.nextOffset == 10)
    }

    // MARK: Helpers

    private static func event(
        _ type: String,
        key: String? = nil,
        tags: [String] = [],
        data: RawJSON = RawJSON(validatedBytes: Array(#"{"value":42}"#.utf8))
    ) -> NewEvent {
        NewEvent(id: UUID(), type: type, key: key, tags: tags, data: data, timestamp: Date())
    }
}
