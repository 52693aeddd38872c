import EventStoreCore
import EventStoreTesting
import Foundation
import Logging
import NIOPosix
import Synchronization
import Testing

@testable import PostgresStorage

/// The `postgres` adapter against a real, throwaway PostgreSQL.
@Suite struct PostgresEventLogTests {
    static let threadPool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 8)
        pool.start()
        return pool
    }()

    /// A new adapter. It stops its pools and listeners when it goes away, so a test keeps it alive while it uses a log.
    static func adapter() -> PostgresStorageAdapter {
        PostgresStorageAdapter(threadPool: Self.threadPool, logger: quietLogger)
    }

    /// A topic in `database`, or by default in a new database of the shared cluster.
    static func openLog(
        _ adapter: PostgresStorageAdapter,
        name: String = "orders",
        schema: String? = nil,
        table: String? = nil,
        database: String? = nil,
        logger: Logger = quietLogger
    ) async throws -> any EventLog {
        var database = database
        if database == nil { database = try await PostgresCluster.shared().createDatabase() }
        return try await adapter.openLog(
            for: TopicConfiguration(name: try TopicName(name), adapter: .postgres, connection: database, schema: schema, table: table),
            logger: logger
        )
    }

    @Test(arguments: EventLogConformance.Check.allCases)
    func conformance(_ check: EventLogConformance.Check) async throws {
        let adapter = Self.adapter()
        try await EventLogConformance {
            let database = try await PostgresCluster.shared().createDatabase()
            return (try await Self.openLog(adapter, database: database), { try await Self.openLog(adapter, database: database) })
        }.run(check)
    }

    /// Appends that share a transaction but write only part of what they carry (a duplicate id, a failed condition)
    /// store each written event's own fields at its offset.
    @Test func aGroupWritingPartOfItsEventsStoresEachWithItsOwnFields() async throws {
        let adapter = Self.adapter()
        defer { withExtendedLifetime(adapter) {} }
        let log = try await Self.openLog(adapter)
        func event(_ name: String) -> NewEvent {
            NewEvent(
                id: UUID(),
                type: "type-\(name)",
                key: "key-\(name)",
                tags: ["tag-\(name)"],
                data: RawJSON(validatedBytes: Array(#"{"name":"\#(name)"}"#.utf8)),
                metadata: ["name": name],
                timestamp: Date(timeIntervalSince1970: 1_795_000_000)
            )
        }
        let stored = event("stored")
        _ = try await log.append([stored], condition: nil, logger: quietLogger)
        var sent: [UUID: NewEvent] = [stored.id: stored]
        var requests: [([NewEvent], AppendCondition?)] = []
        for index in 0..<40 {
            let fresh = [event("\(index)a"), event("\(index)b")]
            switch index % 3 {
            case 0:
                requests.append(([fresh[0], stored, fresh[1]], nil))
                for event in fresh { sent[event.id] = event }
            case 1: requests.append((fresh, AppendCondition(expectedNextOffset: 0)))
            default:
                requests.append(([fresh[0]], nil))
                sent[fresh[0].id] = fresh[0]
            }
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (events, condition) in requests {
                group.addTask { _ = try? await log.append(events, condition: condition, logger: quietLogger) }
            }
            try await group.waitForAll()
        }
        let page = try await log.read(from: 0, limit: 1000, filter: EventFilter(), logger: quietLogger)
        #expect(page.events.map(\.offset) == Array(0..<Int64(sent.count)), "every written event once, gap-free")
        for event in page.events {
            let original = try #require(sent[event.id], "only events of appends that hold were written")
            #expect(event == original.recorded(at: event.offset))
        }
    }

    /// A quote followed by a combining mark is one `Character` but two code points: quoting doubles it anyway.
    @Test func quotingDoublesEveryQuoteByteEvenBeforeACombiningMark() {
        #expect(PostgresTable.quote("a\"\u{301}b") == "\"a\"\"\u{301}b\"")
        #expect(PostgresTable.quote("x\"\u{301}; DROP TABLE t; --").utf8.filter { $0 == UInt8(ascii: "\"") }.count == 4)
    }

    @Test(arguments: [
        "x\"\u{301}; DROP TABLE t; --", "1abc", "has space", "dash-ed", "dot.ted", "é", String(repeating: "t", count: 64), "", "a\u{0}",
    ])
    func newTopicsNameOnlyPlainIdentifiers(_ name: String) {
        let adapter = Self.adapter()
        for configuration in [
            TopicConfiguration(name: try! TopicName("t"), adapter: .postgres, connection: "postgres://db", schema: name),
            TopicConfiguration(name: try! TopicName("t"), adapter: .postgres, connection: "postgres://db", table: name),
        ] {
            expectError(.unsupportedConfiguration) { try adapter.validate(configuration) }
        }
    }

    @Test func plainIdentifiersAreAccepted() throws {
        let adapter = Self.adapter()
        for name in ["order_events", "_x", "A9", String(repeating: "t", count: 63)] {
            try adapter.validate(TopicConfiguration(name: try TopicName("t"), adapter: .postgres, connection: "postgres://db", schema: name, table: name))
        }
    }

    /// Names stored before the rule still open, quoted safely, the combining mark included.
    @Test func hostileNamesAndValuesAreStoredAsData() async throws {
        let adapter = Self.adapter()
        defer { withExtendedLifetime(adapter) {} }
        let log = try await Self.openLog(adapter, name: "x.y-z", schema: #"we"ird; DROP SCHEMA public"#, table: "t\"\u{301}; DROP TABLE x; --")
        let hostile = #"'); DROP TABLE eventstore_topics; --"#
        let event = NewEvent(
            id: UUID(),
            type: hostile,
            key: #"k" OR 1=1 --"#,
            tags: [#"{"a","b"}"#, #"\"#, "NULL"],
            data: RawJSON(validatedBytes: Array(#"{"q": "'; SELECT 1; --"}"#.utf8)),
            metadata: [hostile: #"$1"#],
            timestamp: Date(timeIntervalSince1970: 1_795_000_000.123456)
        )
        _ = try await log.append([event], condition: nil, logger: quietLogger)
        let page = try await log.read(
            from: 0,
            limit: 10,
            filter: EventFilter(types: [hostile], keys: [#"k" OR 1=1 --"#], tags: ["NULL", #"\"#]),
            logger: quietLogger
        )
        let stored = try #require(page.events.first)
        #expect(stored.type == hostile)
        #expect(stored.tags == event.tags)
        #expect(stored.metadata == event.metadata)
        #expect(stored.data == event.data)
        #expect(stored.timestamp == event.timestamp)
        #expect(try await log.read(from: 0, limit: 10, filter: EventFilter(keys: ["' OR '1'='1"]), logger: quietLogger).events.isEmpty)
    }

    @Test func nulCharactersAreRefusedNotTruncated() async throws {
        let adapter = Self.adapter()
        defer { withExtendedLifetime(adapter) {} }
        let log = try await Self.openLog(adapter)
        let event = NewEvent(id: UUID(), type: "A\u{0}B", key: nil, tags: [], data: .null, metadata: [:], timestamp: Date())
        await expectError(.invalidArgument) { try await log.append([event], condition: nil, logger: quietLogger) }
        #expect(try await log.head(logger: quietLogger) == 0)
    }

    @Test func aFilterWithNULIsRefused() async throws {
        let adapter = Self.adapter()
        defer { withExtendedLifetime(adapter) {} }
        let log = try await Self.openLog(adapter)
        await expectError(.invalidArgument) {
            try await log.read(from: 0, limit: 10, filter: EventFilter(keys: ["a\u{0}"]), logger: quietLogger)
        }
    }

    @Test func aRowThatIsNotAnEventIsReportedCorrupted() async throws {
        let database = try await PostgresCluster.shared().createDatabase()
        let adapter = Self.adapter()
        defer { withExtendedLifetime(adapter) {} }
        let log = try await Self.openLog(adapter, database: database)
        _ = try await log.append(
            [NewEvent(id: UUID(), type: "A", key: nil, tags: [], data: .null, metadata: [:], timestamp: Date())],
            condition: nil,
            logger: quietLogger
        )
        try await PostgresCluster.shared().psql(#"UPDATE events_orders SET metadata = '{"n": 1}'"#, database: database)
        do {
            _ = try await log.read(from: 0, limit: 10, filter: .all, logger: quietLogger)
            Issue.record("a damaged row was served")
        } catch let error as EventStoreError {
            #expect(error.code == .storageCorrupted)
        }
    }

    @Test func aFailedAppendSaysWhetherTheEventsMayHaveBeenStored() async throws {
        let cluster = try await PostgresCluster.shared()
        let database = try await cluster.createDatabase()
        let adapter = Self.adapter()
        defer { withExtendedLifetime(adapter) {} }
        let log = try await Self.openLog(adapter, database: database)
        func append() async -> EventStoreError? {
            await #expect(throws: EventStoreError.self) {
                try await log.append(
                    [NewEvent(id: UUID(), type: "A", key: nil, tags: [], data: .null, metadata: [:], timestamp: Date())],
                    condition: nil,
                    logger: quietLogger
                )
            }
        }

        // A statement of the transaction fails: it is rolled back.
        try await cluster.psql(
            """
            CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$;
            CREATE TRIGGER refuse BEFORE INSERT ON events_orders FOR EACH ROW EXECUTE FUNCTION refuse();
            """,
            database: database
        )
        let refused = await append()
        #expect(refused?.code == .storageUnavailable)
        #expect(refused?.message.contains("nothing was written") == true, "\(String(describing: refused))")
        #expect(try await log.head(logger: quietLogger) == 0)

        // The connection dies while the commit is on its way: nobody can say whether it committed.
        try await cluster.psql(
            """
            DROP TRIGGER refuse ON events_orders;
            CREATE FUNCTION vanish() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NULL; END $$;
            CREATE CONSTRAINT TRIGGER vanish AFTER INSERT ON events_orders DEFERRABLE INITIALLY DEFERRED
                FOR EACH ROW EXECUTE FUNCTION vanish();
            """,
            database: database
        )
        let lost = await append()
        #expect(lost?.code == .storageUnavailable)
        #expect(lost?.message.contains("may or may not be stored") == true, "\(String(describing: lost))")

        try await cluster.psql("DROP TRIGGER vanish ON events_orders", database: database)
        _ = try await log.append(
            [NewEvent(id: UUID(), type: "B", key: nil, tags: [], data: .null, metadata: [:], timestamp: Date())],
            condition: nil,
            logger: quietLogger
        )
    }

    @Test func aFullPoolMakesCallersWaitForAConnection() async throws {
        let pool = PGConnectionPool(connectionString: try await PostgresCluster.shared().url, size: 2, threadPool: Self.threadPool)
        let usage = Usage()
        let answers = try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    try await pool.withConnection { connection in
                        usage.begin()
                        defer { usage.end() }
                        return try connection.query("SELECT pg_sleep(0.02)::text || 'ok'").string(0, 0)
                    }
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers == Array(repeating: "ok", count: 20))
        #expect(usage.most == 2, "never more connections in use than the pool's size")
        pool.close()
    }

    @Test func anotherProcessAppendIsReportedThroughNotifications() async throws {
        let database = try await PostgresCluster.shared().createDatabase()
        let configuration = TopicConfiguration(name: try TopicName("shared"), adapter: .postgres, connection: database)
        // Two adapters stand for two server processes: separate pools and listeners. An adapter stops its listeners
        // when it goes away, so both live until the end of the test.
        let writerAdapter = Self.adapter()
        let readerAdapter = Self.adapter()
        defer { withExtendedLifetime((writerAdapter, readerAdapter)) {} }
        let writer = try await writerAdapter.openLog(for: configuration, logger: quietLogger)
        let reader = try await readerAdapter.openLog(for: configuration, logger: quietLogger)
        let heads = Mutex<[Int64]>([])
        reader.observeExternalAppends { head in heads.withLock { $0.append(head) } }
        // Once both listeners listen, the reader can learn of the append only through a notification.
        try await eventually("both adapters' listeners are listening") {
            try await blocking {
                try PGConnection(connectionString: database).query(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle' AND query = 'LISTEN eventstore'"
                ).int(0, 0)
            } == 2
        }
        for head in 1...2 {
            _ = try await writer.append(
                [NewEvent(id: UUID(), type: "A", key: nil, tags: [], data: .null, metadata: [:], timestamp: Date())],
                condition: nil,
                logger: quietLogger
            )
            // The first head could also come from the listener's one look at the head when it starts listening;
            // the second only from a notification.
            try await eventually("the reader was told of the append") { heads.withLock { $0 }.contains(Int64(head)) }
        }
    }

    /// Appends made while notifications were interrupted are caught up by reading the head once listening resumes;
    /// if that read fails, it is tried again rather than the wake-up being lost.
    @Test(.enabled(if: PostgresCluster.canRestart, "restarts PostgreSQL: not the external server of EVENTSTORE_TEST_POSTGRES_URL"))
    func theHeadIsReadAgainUntilItAnswersAfterNotificationsResume() async throws {
        try await PostgresCluster.withOwnCluster { cluster in
            let database = try await cluster.createDatabase()
            let adapter = Self.adapter()
            defer { withExtendedLifetime(adapter) {} }
            let logs = CapturedLogs()
            let log = try await Self.openLog(adapter, database: database, logger: logs.logger)
            let heads = Mutex<[Int64]>([])
            log.observeExternalAppends { head in heads.withLock { $0.append(head) } }
            let events = (0..<2).map { _ in NewEvent(id: UUID(), type: "A", key: nil, tags: [], data: .null, metadata: [:], timestamp: Date()) }
            _ = try await log.append(events, condition: nil, logger: quietLogger)
            // The head cannot be read while the topic's metadata row is away.
            try await cluster.psql("UPDATE eventstore_topics SET topic = 'away' WHERE topic = 'orders'", database: database)
            let headError = await #expect(throws: EventStoreError.self) { try await log.head(logger: quietLogger) }
            #expect(headError?.code == .storageUnavailable)
            let appendError = await #expect(throws: EventStoreError.self) { try await log.append(events, condition: nil, logger: quietLogger) }
            #expect(appendError?.code == .storageUnavailable, "a missing metadata row fails the append; it does not crash the server")
            try await cluster.stopServer()
            heads.withLock { $0.removeAll() }
            try await cluster.startServer()
            try await eventually("the listener reconnected and its head read failed") {
                logs.contains("Cannot read the head after PostgreSQL notifications resumed")
            }
            #expect(heads.withLock { $0 }.isEmpty)
            try await cluster.psql("UPDATE eventstore_topics SET topic = 'orders' WHERE topic = 'away'", database: database)
            try await eventually("the head was read again and reported") { heads.withLock { $0 }.contains(2) }
            try await log.close(logger: quietLogger)
        }
    }

    @Test func aTopicBoundToAnotherTableIsAConflict() async throws {
        let database = try await PostgresCluster.shared().createDatabase()
        let adapter = Self.adapter()
        _ = try await adapter.openLog(
            for: TopicConfiguration(name: try TopicName("t"), adapter: .postgres, connection: database, table: "first"),
            logger: quietLogger
        )
        await expectError(.topicConflict) {
            _ = try await adapter.openLog(
                for: TopicConfiguration(name: try TopicName("t"), adapter: .postgres, connection: database, table: "second"),
                logger: quietLogger
            )
        }
    }

    @Test func anUnreachableServerIsUnavailable() async throws {
        let configuration = TopicConfiguration(
            name: try TopicName("t"),
            adapter: .postgres,
            connection: "postgresql://postgres@127.0.0.1:1/postgres?connect_timeout=2"
        )
        do {
            _ = try await Self.adapter().openLog(for: configuration, logger: quietLogger)
            Issue.record("opened a log on a closed port")
        } catch let error as EventStoreError {
            #expect(error.code == .storageUnavailable)
        }
    }
}

/// Counts bodies running at once, and the most seen.
private final class Usage: Sendable {
    private let counts = Mutex((now: 0, most: 0))

    var most: Int { self.counts.withLock { $0.most } }

    func begin() {
        self.counts.withLock { counts in
            counts.now += 1
            counts.most = max(counts.most, counts.now)
        }
    }

    func end() {
        self.counts.withLock { $0.now -= 1 }
    }
}
