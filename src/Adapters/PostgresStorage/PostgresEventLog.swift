import AppendGroups
import EventJSON
public import EventStoreCore
public import Logging
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A topic's log in a PostgreSQL table.
///
/// Appends are serialised per topic across every process by locking the topic's row in the metadata table
/// (`SELECT ... FOR UPDATE`) inside the append transaction, then numbering from its `next_offset`: offsets are
/// gap-free and commit in order, so a reader never sees N+1 before N, while other topics write in parallel.
/// Concurrent publishes in this process share one transaction (group commit). Conditions and idempotency are checked
/// inside it against every committed event.
public final class PostgresEventLog: EventLog {
    let topic: TopicName
    let table: PostgresTable
    private let pool: PGConnectionPool
    private let notifier: PostgresNotifier
    private let queue: AppendQueue
    private let observation = Mutex<Int?>(nil)
    /// The task reading the head after listening (re)started, ended by `close`.
    private let resync = Mutex<Task<Void, Never>?>(nil)
    private let logger: Logger

    init(topic: TopicName, table: PostgresTable, pool: PGConnectionPool, notifier: PostgresNotifier, maxQueuedAppends: Int, logger: Logger) {
        self.topic = topic
        self.queue = AppendQueue(topic: topic.rawValue, maxDepth: maxQueuedAppends)
        self.table = table
        self.pool = pool
        self.notifier = notifier
        self.logger = logger
    }

    /// Creates the table, its indexes and the topic's metadata row when missing (idempotent; several processes may
    /// do it at once).
    /// - Throws: `EventStoreError.topicConflict` when the schema's metadata binds the topic to another table.
    func createSchema() async throws {
        let table = self.table
        let topic = self.topic.rawValue
        let boundTable = try await self.pool.withConnection { connection -> String? in
            try connection.transaction {
                try connection.query("SELECT pg_advisory_xact_lock(hashtext('eventstore schema'))")
                for statement in PostgresSchema.statements(for: table) { try connection.query(statement) }
                try connection.query(
                    "INSERT INTO \(table.topicsTable) (topic, table_name, schema_version) VALUES ($1, $2, $3) ON CONFLICT (topic) DO NOTHING",
                    [topic, table.table, String(PostgresSchema.version)]
                )
                return try connection.query("SELECT table_name FROM \(table.topicsTable) WHERE topic = $1", [topic]).string(0, 0)
            }
        }
        guard boundTable == table.table else {
            throw EventStoreError(
                .topicConflict,
                "topic '\(topic)' is bound to table '\(boundTable ?? "?")' in schema '\(table.schema)', not '\(table.table)'"
            )
        }
    }

    public func append(_ events: [NewEvent], condition: AppendCondition?, logger: Logger) async throws -> AppendResult {
        for event in events {
            if let field = Self.fieldWithNUL(event) {
                throw EventStoreError(.invalidArgument, "PostgreSQL cannot store the NUL character (\\u0000) in an event's \(field)")
            }
        }
        return try await self.queue.append(events, condition: condition) {
            Task { await self.writeQueued() }
        }
    }

    /// Commits every queued append in one transaction per round, until the queue is empty.
    private func writeQueued() async {
        while let group = self.queue.nextGroup() {
            let requests = group.map { (events: $0.events, condition: $0.condition) }
            do {
                let results = try await self.pool.withConnection { [table, topic] connection in
                    try Self.commit(requests, table: table, topic: topic, connection: connection)
                }
                for (append, result) in zip(group, results) { append.answer(result) }
            } catch {
                self.logger.error("PostgreSQL append failed", metadata: ["topic": "\(self.topic)", "error": "\(error)"])
                let outcome =
                    error is CommitOutcomeUnknown
                    ? "the connection was lost while committing, so the events may or may not be stored: publish them again with the same ids"
                    : "nothing was written"
                let failure = EventStoreError(.storageUnavailable, "the PostgreSQL storage of topic '\(self.topic)' failed; \(outcome)")
                for append in group { append.answer(.failure(failure)) }
            }
        }
    }

    /// One group's transaction in two round trips: begin, lock the topic's row and look up the group's ids; then plan
    /// every append in order and insert, advance the head, notify and commit. Statements are prepared per connection.
    private static func commit(
        _ requests: [(events: [NewEvent], condition: AppendCondition?)],
        table: PostgresTable,
        topic: TopicName,
        connection: PGConnection
    ) throws -> [Result<AppendResult, any Error>] {
        let rows = PGEventRows(requests.lazy.flatMap(\.events))
        // Ids the service generated cannot be stored yet: only the clients' ids are looked up.
        let clientIDRows = requests.lazy.flatMap(\.events).enumerated().compactMap { $1.idWasGenerated ? nil : $0 }
        do {
            var opening = [
                PGStatement(sql: "BEGIN"),
                PGStatement(sql: "SELECT next_offset FROM \(table.topicsTable) WHERE topic = $1 FOR UPDATE", parameters: [topic.rawValue]),
            ]
            if !clientIDRows.isEmpty {
                // Runs after the lock is granted, so it sees every event committed before.
                opening.append(
                    PGStatement(sql: "SELECT id, \"offset\" FROM \(table.qualified) WHERE id = ANY($1::uuid[])", bytes: [rows.ids(at: clientIDRows)])
                )
            }
            let opened = try connection.pipeline(opening)
            guard let head = opened[1].int(0, 0) else {
                throw PostgresError(message: "the metadata row of topic '\(topic)' is missing", connectionLost: false)
            }
            var known: [UUID: Int64] = [:]
            if let stored = opened.count > 2 ? opened[2] : nil {
                for row in 0..<stored.count {
                    if let id = stored.bytes(row, 0).flatMap({ UUID(canonicalUTF8: $0) }), let offset = stored.int(row, 1) { known[id] = offset }
                }
            }
            // A failed query aborts the transaction: it fails the whole group (never a COMMIT that rolls back).
            let plan = try GroupPlan(
                requests,
                head: head,
                storedOffset: { known[$0] },
                storedEventMatches: { filter, first in try Self.anyMatch(filter, from: first, table: table, connection: connection) }
            )
            var closing: [PGStatement] = []
            if !plan.written.isEmpty {
                closing.append(Self.insertStatement(rows.parameters(firstOffset: head, rows: plan.writtenPositions), table: table))
                closing.append(
                    PGStatement(sql: "UPDATE \(table.topicsTable) SET next_offset = $2 WHERE topic = $1", parameters: [topic.rawValue, String(plan.nextHead)])
                )
                closing.append(
                    PGStatement(
                        sql: "SELECT pg_notify($1, $2)",
                        parameters: [PostgresNotifier.channel, PostgresNotifier.payload(schema: table.schema, topic: topic.rawValue, head: plan.nextHead)]
                    )
                )
            }
            closing.append(PGStatement(sql: "COMMIT"))
            do {
                try connection.pipeline(closing)
            } catch {
                throw error.isConnectionFailure ? CommitOutcomeUnknown(cause: error) : error
            }
            return plan.answers.map { $0.mapError { $0 } }
        } catch {
            if connection.isOpen { _ = try? connection.query("ROLLBACK") }
            throw error
        }
    }

    /// Inserts rows numbered from the first parameter, in the order of the literals that follow (see `PGEventRows`).
    private static func insertStatement(_ parameters: [[UInt8]?], table: PostgresTable) -> PGStatement {
        PGStatement(
            sql: """
                INSERT INTO \(table.qualified) ("offset", id, type, key, tags, data, metadata, "timestamp")
                SELECT $1::bigint + n - 1, i, ty, k, tg::text[], d::json, m::jsonb, 'epoch'::timestamptz + us * interval '1 microsecond'
                FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[])
                    WITH ORDINALITY AS u(i, ty, k, tg, d, m, us, n)
                """,
            bytes: parameters
        )
    }

    /// Whether a committed event at `from` or later matches `filter`.
    private static func anyMatch(_ filter: EventFilter, from: Int64, table: PostgresTable, connection: PGConnection) throws -> Bool {
        let (clause, parameters) = Self.filterClause(filter, firstParameter: 2)
        let rows = try connection.query(
            "SELECT EXISTS (SELECT 1 FROM \(table.qualified) WHERE \"offset\" >= $1\(clause))",
            [String(from)] + parameters,
            prepared: true
        )
        return rows.string(0, 0) == "t"
    }

    /// ` AND ...` conditions selecting `filter`'s events, numbering parameters from `firstParameter`.
    private static func filterClause(_ filter: EventFilter, firstParameter: Int) -> (String, [String?]) {
        var clause = ""
        var parameters: [String?] = []
        if !filter.types.isEmpty {
            parameters.append(PGArray.literal(filter.types))
            clause += " AND type = ANY($\(firstParameter + parameters.count - 1)::text[])"
        }
        if !filter.keys.isEmpty {
            parameters.append(PGArray.literal(filter.keys))
            clause += " AND key = ANY($\(firstParameter + parameters.count - 1)::text[])"
        }
        if !filter.tags.isEmpty {
            parameters.append(PGArray.literal(filter.tags))
            clause += " AND tags @> $\(firstParameter + parameters.count - 1)::text[]"
        }
        return (clause, parameters)
    }

    /// The page's rows (at most `limit`) are cut where their payload sizes pass `maxBytes` before they leave
    /// PostgreSQL (a running sum over the page; the first row always stays). The size is `Event.payloadSize` with tags and metadata counted as the JSON text the query sends
    /// anyway (a few bytes more per event), so sizing costs no second rendering.
    public func read(from offset: Int64, limit: Int, maxBytes: Int, filter: EventFilter, logger: Logger) async throws -> EventPage {
        if let field = Self.filterFieldWithNUL(filter) {
            throw EventStoreError(.invalidArgument, "a filter's \(field) cannot hold the NUL character (\\u0000)")
        }
        let (clause, filterParameters) = Self.filterClause(filter, firstParameter: 5)
        let sql = """
            SELECT h.next_offset, e."offset", e.id, e.type, e.key, e.tags_json, e.data, e.metadata_text, e.micros
            FROM (SELECT next_offset FROM \(table.topicsTable) WHERE topic = $1) h
            LEFT JOIN LATERAL (
                SELECT * FROM (
                    SELECT p.*, sum(p.size) OVER (ORDER BY p."offset") AS running
                    FROM (
                        SELECT q.*, octet_length(q.data::text) + octet_length(q.type) + coalesce(octet_length(q.key), 0)
                            + octet_length(q.tags_json) + octet_length(q.metadata_text) AS size
                        FROM (
                            SELECT "offset", id, type, key, array_to_json(tags)::text AS tags_json, data,
                                metadata::text AS metadata_text, (extract(epoch FROM "timestamp") * 1000000)::bigint AS micros
                            FROM \(table.qualified)
                            WHERE "offset" >= $2 AND "offset" < h.next_offset\(clause)
                            ORDER BY "offset" LIMIT $3
                        ) q
                    ) p
                ) w
                WHERE w.running <= $4 OR w.running = w.size
                ORDER BY w."offset"
            ) e ON true
            """
        let parameters: [String?] = [self.topic.rawValue, String(offset), String(limit), String(maxBytes)] + filterParameters
        let rows = try await self.pool.withConnection { connection in try connection.query(sql, parameters, prepared: true) }
        guard rows.count > 0, let head = rows.int(0, 0) else {
            throw EventStoreError(.storageUnavailable, "the metadata row of topic '\(self.topic)' is missing")
        }
        var events: [Event] = []
        events.reserveCapacity(rows.count)
        for row in 0..<rows.count where rows.bytes(row, 1) != nil {
            events.append(try Self.event(rows, row))
        }
        // A page the budget cut holds fewer than `limit` events although more follow: continue after its last event.
        // (Without a filter that is the head anyway; with one, a read may take one more, empty, page to learn it.)
        let nextOffset = events.last.map { $0.offset + 1 } ?? max(offset, head)
        return EventPage(events: events, nextOffset: nextOffset, head: head)
    }

    private static func event(_ rows: PGRows, _ row: Int) throws(EventStoreError) -> Event {
        func corrupted() -> EventStoreError {
            EventStoreError(.storageCorrupted, "a row of the PostgreSQL table cannot be read as an event")
        }
        guard let offset = rows.int(row, 1), let id = rows.bytes(row, 2).flatMap({ UUID(canonicalUTF8: $0) }), let type = rows.string(row, 3),
            let tagsJSON = rows.bytes(row, 5), let data = rows.bytes(row, 6), let metadataJSON = rows.bytes(row, 7), let micros = rows.int(row, 8)
        else { throw corrupted() }
        do throws(JSONParseError) {
            var tags: [String] = []
            var reader = JSONReader(Array(tagsJSON))
            try reader.readArray { reader throws(JSONParseError) in tags.append(try reader.readString()) }
            var metadata: [String: String] = [:]
            reader = JSONReader(Array(metadataJSON))
            try reader.readObject { key, reader throws(JSONParseError) in metadata[key] = try reader.readString() }
            return Event(
                id: id,
                offset: offset,
                type: type,
                key: rows.string(row, 4),
                tags: tags,
                data: RawJSON(storedBytes: Array(data)),
                metadata: metadata,
                timestamp: Date(timeIntervalSince1970: Double(micros) / 1_000_000)
            )
        } catch {
            throw corrupted()
        }
    }

    public func head(logger: Logger) async throws -> Int64 {
        let rows = try await self.pool.withConnection { [table, topic] connection in
            try connection.query("SELECT next_offset FROM \(table.topicsTable) WHERE topic = $1", [topic.rawValue], prepared: true)
        }
        guard let head = rows.int(0, 0) else {
            throw EventStoreError(.storageUnavailable, "the metadata row of topic '\(self.topic)' is missing")
        }
        return head
    }

    /// PostgreSQL can go away while the topic is open.
    public var checksAvailability: Bool { true }

    /// Reads the topic's head: PostgreSQL answers and the topic's metadata row is there.
    public func checkAvailability(logger: Logger) async throws {
        do {
            _ = try await self.head(logger: logger)
        } catch let error as PostgresError {
            logger.warning("PostgreSQL does not answer", metadata: ["topic": "\(self.topic)", "error": "\(error)"])
            throw EventStoreError(.storageUnavailable, "PostgreSQL does not answer (the server log says why)")
        }
    }

    public func observeExternalAppends(_ onHead: @escaping @Sendable (Int64) -> Void) {
        let token = self.notifier.observe(
            schema: self.table.schema,
            topic: self.topic.rawValue,
            PostgresNotifier.Observer(
                onHead: onHead,
                onResync: { [weak self] in
                    guard let self else { return }
                    let task = Task { [weak self] () -> Void in await self?.reportHeadAfterResync(onHead) }
                    self.resync.withLock { previous in
                        previous?.cancel()
                        previous = task
                    }
                }
            )
        )
        let previous = self.observation.withLock { observation in
            defer { observation = token }
            return observation
        }
        if let previous { self.notifier.remove(schema: self.table.schema, topic: self.topic.rawValue, token: previous) }
    }

    /// Listening (re)started, so appends made meanwhile were not notified: reads the head and reports it, trying
    /// again with backoff while PostgreSQL does not answer, until it does or the topic stops observing.
    private func reportHeadAfterResync(_ onHead: @Sendable (Int64) -> Void) async {
        var delay = Duration.milliseconds(100)
        while self.observation.withLock({ $0 != nil }) {
            do {
                onHead(try await self.head(logger: self.logger))
                return
            } catch {
                self.logger.warning(
                    "Cannot read the head after PostgreSQL notifications resumed; trying again",
                    metadata: ["topic": "\(self.topic)", "error": "\(error)", "retry_in": "\(delay)"]
                )
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
    }

    public func close(logger: Logger) async throws {
        if let token = self.observation.withLock({ observation in
            defer { observation = nil }
            return observation
        }) {
            self.notifier.remove(schema: self.table.schema, topic: self.topic.rawValue, token: token)
        }
        // A head being read after listening resumed is no longer wanted.
        self.resync.withLock { $0?.cancel() }
        // Appends already queued finish: the writer drains the queue before it stops.
        await self.queue.close()
    }

    static func microseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    }

    private static func fieldWithNUL(_ event: NewEvent) -> String? {
        if hasNUL(event.type) { return "type" }
        if let key = event.key, hasNUL(key) { return "key" }
        if event.tags.contains(where: hasNUL) { return "tags" }
        if event.metadata.contains(where: { hasNUL($0.key) || hasNUL($0.value) }) { return "metadata" }
        return nil
    }

    private static func filterFieldWithNUL(_ filter: EventFilter) -> String? {
        if filter.types.contains(where: hasNUL) { return "types" }
        if filter.keys.contains(where: hasNUL) { return "keys" }
        if filter.tags.contains(where: hasNUL) { return "tags" }
        return nil
    }

    private static func hasNUL(_ text: String) -> Bool { text.utf8.contains(0) }
}

/// The connection broke while the commit was on its way: whether the transaction committed is unknown.
private struct CommitOutcomeUnknown: Error, CustomStringConvertible {
    var cause: PostgresError
    var description: String { "commit outcome unknown: \(self.cause)" }
}
