import EventStoreCore
import Logging

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Projection read models in tables beside a PostgreSQL topic's: `<table>_projection_generations` (each generation,
/// its checkpoint, which one is served) and `<table>_projection_entries` (the read models; keys in `COLLATE "C"`,
/// so they sort by their UTF-8 bytes; values as the compact JSON text they were given).
///
/// A batch is one transaction: the checkpoint moves only if it still is the batch's `from` (a concurrent writer
/// waits on the row and then finds it moved: the fence), and the changed entries are written with it, so the cost
/// follows the changes, not the model. Several server processes sharing the topic share its projections.
final class PostgresProjectionStore: ProjectionStore {
    private let pool: PGConnectionPool
    private let generations: String
    private let entries: String
    private let leases: String
    private let projections: String

    init(pool: PGConnectionPool, table: PostgresTable) {
        self.pool = pool
        self.generations = table.companionTable("projection_generations")
        self.entries = table.companionTable("projection_entries")
        self.leases = table.companionTable("projection_leases")
        self.projections = table.companionTable("projection_definitions")
    }

    /// Creates the tables if they are missing.
    func createTables() async throws {
        let generations = self.generations
        let entries = self.entries
        let leases = self.leases
        let projections = self.projections
        try await self.pool.withConnection { connection in
            try connection.transaction {
                try connection.query("SELECT pg_advisory_xact_lock(hashtext('eventstore schema'))")
                try connection.query(
                    "CREATE TABLE IF NOT EXISTS \(projections) (projection text PRIMARY KEY, fingerprint text NOT NULL, last_generation bigint NOT NULL)"
                )
                try connection.query(
                    "CREATE TABLE IF NOT EXISTS \(leases) (projection text PRIMARY KEY, holder text NOT NULL, expires_ms bigint NOT NULL)"
                )
                try connection.query(
                    """
                    CREATE TABLE IF NOT EXISTS \(generations) (
                        projection text NOT NULL,
                        generation bigint NOT NULL,
                        checkpoint bigint NOT NULL,
                        served boolean NOT NULL DEFAULT false,
                        PRIMARY KEY (projection, generation)
                    )
                    """
                )
                try connection.query(
                    """
                    CREATE TABLE IF NOT EXISTS \(entries) (
                        projection text NOT NULL,
                        generation bigint NOT NULL,
                        key text COLLATE "C" NOT NULL,
                        value text NOT NULL,
                        PRIMARY KEY (projection, generation, key)
                    )
                    """
                )
            }
        }
    }

    func adopt(_ projection: ProjectionName, fingerprint: String, logger: Logger) async throws {
        let generations = self.generations
        let entries = self.entries
        let projections = self.projections
        try await self.call { connection in
            try connection.transaction {
                try connection.query("SELECT pg_advisory_xact_lock(hashtext($1))", [generations + projection.rawValue])
                let known = try connection.query("SELECT fingerprint FROM \(projections) WHERE projection = $1", [projection.rawValue])
                if let stored = known.string(0, 0), stored != fingerprint {
                    try Self.deleteAll(projection, generations: generations, entries: entries, connection)
                }
                try connection.query(
                    "INSERT INTO \(projections) (projection, fingerprint, last_generation) VALUES ($1, $2, 0) ON CONFLICT (projection) DO UPDATE SET fingerprint = EXCLUDED.fingerprint",
                    [projection.rawValue, fingerprint]
                )
            }
        }
    }

    func served(_ projection: ProjectionName, logger: Logger) async throws -> ProjectionGeneration? {
        let generations = self.generations
        return try await self.call { connection in try Self.served(projection, generations, connection) }
    }

    func createGeneration(of projection: ProjectionName, logger: Logger) async throws -> ProjectionGeneration {
        let generations = self.generations
        let projections = self.projections
        return try await self.call { connection in
            try connection.transaction {
                try connection.query("SELECT pg_advisory_xact_lock(hashtext($1))", [generations + projection.rawValue])
                // Numbers only grow: the counter outlives the generations it numbered.
                let next = try connection.query(
                    """
                    INSERT INTO \(projections) (projection, fingerprint, last_generation) VALUES ($1, '', 1)
                    ON CONFLICT (projection) DO UPDATE SET last_generation = \(projections).last_generation + 1 RETURNING last_generation
                    """,
                    [projection.rawValue]
                )
                let generation = next.int(0, 0) ?? 0
                let isFirst = try Self.served(projection, generations, connection) == nil
                try connection.query(
                    "INSERT INTO \(generations) (projection, generation, checkpoint, served) VALUES ($1, $2, 0, $3)",
                    [projection.rawValue, String(generation), isFirst ? "true" : "false"]
                )
                return ProjectionGeneration(generation: generation, checkpoint: 0)
            }
        }
    }

    func apply(_ batch: ProjectionBatch, logger: Logger) async throws {
        let generations = self.generations
        let entries = self.entries
        var setKeys: [[UInt8]?] = []
        var setValues: [[UInt8]?] = []
        var removed: [[UInt8]?] = []
        for (key, value) in batch.changes {
            if let value {
                setKeys.append(Array(key.text.utf8))
                setValues.append(value.bytes)
            } else {
                removed.append(Array(key.text.utf8))
            }
        }
        let name = batch.projection.rawValue
        let generation = String(batch.generation)
        try await self.call { [setKeys, setValues, removed] connection in
            try connection.transaction {
                let moved = try connection.query(
                    "UPDATE \(generations) SET checkpoint = $1 WHERE projection = $2 AND generation = $3 AND checkpoint = $4 RETURNING 1",
                    [String(batch.to), name, generation, String(batch.from)],
                    prepared: true
                )
                guard moved.count == 1 else {
                    throw EventStoreError(.generationFenced, "generation \(batch.generation) of projection '\(batch.projection)' is not at \(batch.from)")
                }
                var statements: [PGStatement] = []
                if !setKeys.isEmpty {
                    statements.append(
                        PGStatement(
                            sql: """
                                INSERT INTO \(entries) (projection, generation, key, value)
                                SELECT $1, $2, k, v FROM unnest($3::text[], $4::text[]) AS t(k, v)
                                ON CONFLICT (projection, generation, key) DO UPDATE SET value = EXCLUDED.value
                                """,
                            bytes: [Array(name.utf8), Array(generation.utf8), PGArray.bytes(setKeys), PGArray.bytes(setValues)]
                        )
                    )
                }
                if !removed.isEmpty {
                    statements.append(
                        PGStatement(
                            sql: "DELETE FROM \(entries) WHERE projection = $1 AND generation = $2 AND key = ANY($3::text[])",
                            bytes: [Array(name.utf8), Array(generation.utf8), PGArray.bytes(removed)]
                        )
                    )
                }
                if !statements.isEmpty { try connection.pipeline(statements) }
            }
        }
    }

    func values(
        of keys: Set<ProjectionKey>,
        in projection: ProjectionName,
        generation: Int64,
        logger: Logger
    ) async throws -> [ProjectionKey: RawJSON] {
        let entries = self.entries
        let literal = PGArray.bytes(keys.map { Array($0.text.utf8) })
        let rows = try await self.call { connection in
            try connection.pipeline([
                PGStatement(
                    sql: "SELECT key, value FROM \(entries) WHERE projection = $1 AND generation = $2 AND key = ANY($3::text[])",
                    bytes: [Array(projection.rawValue.utf8), Array(String(generation).utf8), literal]
                )
            ])[0]
        }
        var values: [ProjectionKey: RawJSON] = [:]
        for row in 0..<rows.count {
            guard let key = rows.string(row, 0), let value = rows.bytes(row, 1) else { continue }
            values[ProjectionKey(key)] = RawJSON(storedBytes: Array(value))
        }
        return values
    }

    func entries(
        of projection: ProjectionName,
        after: ProjectionKey?,
        prefix: String,
        limit: Int,
        maxBytes: Int,
        logger: Logger
    ) async throws -> ProjectionEntriesPage {
        // PostgreSQL text holds no NUL, so no key has one: a prefix with NUL matches nothing, and keys after one with
        // NUL are the keys after its part before the NUL.
        let matchesNothing = prefix.utf8.contains(0)
        let after = after.map { ProjectionKey(String(decoding: $0.text.utf8.prefix { $0 != 0 }, as: UTF8.self)) }
        // From the later of `after` (exclusive) and the prefix; LIKE on a "C" column bounds the index scan; the page
        // ends where the values' running size passes the budget (the first entry always counts).
        let start = ProjectionKey.pageStart(after: after, prefix: prefix)
        var page = try await self.page(
            projection,
            condition: "key \(start.inclusive ? ">=" : ">") $2 AND key LIKE $3 ORDER BY key LIMIT $4",
            parameters: [start.key.text, Self.likePrefix(matchesNothing ? "" : prefix), String(matchesNothing ? 0 : limit)],
            maxBytes: maxBytes
        )
        if matchesNothing { page.entries = [] }
        return page
    }

    func entry(_ key: ProjectionKey, of projection: ProjectionName, logger: Logger) async throws -> ProjectionEntriesPage {
        var page = try await self.page(projection, condition: "key = $2", parameters: [key.text.utf8.contains(0) ? "" : key.text], maxBytes: .max)
        if key.text.utf8.contains(0) { page.entries = [] }
        return page
    }

    /// The served generation and its entries that meet `condition` (on `key`, parameters from `$2`), in one
    /// statement, so they reflect one checkpoint.
    private func page(_ projection: ProjectionName, condition: String, parameters: [String], maxBytes: Int) async throws -> ProjectionEntriesPage {
        let generations = self.generations
        let entries = self.entries
        let rows = try await self.call { connection in
            try connection.query(
                """
                WITH s AS (SELECT generation, checkpoint FROM \(generations) WHERE projection = $1 AND served)
                SELECT s.generation, s.checkpoint, e.key, e.value, e.matched FROM s LEFT JOIN LATERAL (
                    SELECT key, value, sum(octet_length(value)) OVER (ORDER BY key) AS running, row_number() OVER (ORDER BY key) AS position,
                        count(*) OVER () AS matched
                    FROM (SELECT key, value FROM \(entries) WHERE projection = $1 AND generation = s.generation AND \(condition)) c
                ) e ON e.position = 1 OR e.running <= $\(parameters.count + 2)
                ORDER BY e.key
                """,
                [projection.rawValue] + parameters + [String(min(maxBytes, Int(Int64.max)))]
            )
        }
        guard rows.count > 0, let generation = rows.int(0, 0), let checkpoint = rows.int(0, 1) else {
            throw EventStoreError(.projectionNotFound, "projection '\(projection)' has no read model yet")
        }
        var page: [ProjectionEntry] = []
        for row in 0..<rows.count {
            guard let key = rows.string(row, 2), let value = rows.bytes(row, 3) else { continue }
            page.append(ProjectionEntry(key: ProjectionKey(key), value: RawJSON(storedBytes: Array(value))))
        }
        let matched = rows.int(0, 4) ?? 0
        return ProjectionEntriesPage(
            entries: page,
            generation: ProjectionGeneration(generation: generation, checkpoint: checkpoint),
            endedAtBudget: matched > Int64(page.count)
        )
    }

    func swap(_ projection: ProjectionName, to generation: Int64, logger: Logger) async throws {
        let generations = self.generations
        let entries = self.entries
        try await self.call { connection in
            try connection.transaction {
                try connection.query("SELECT pg_advisory_xact_lock(hashtext($1))", [generations + projection.rawValue])
                let exists = try connection.query(
                    "SELECT 1 FROM \(generations) WHERE projection = $1 AND generation = $2 FOR UPDATE",
                    [projection.rawValue, String(generation)]
                )
                guard exists.count == 1 else {
                    throw EventStoreError(.generationFenced, "generation \(generation) of projection '\(projection)' does not exist")
                }
                if let old = try Self.served(projection, generations, connection), old.generation != generation {
                    try Self.delete(projection, generation: old.generation, generations: generations, entries: entries, connection)
                }
                try connection.query("UPDATE \(generations) SET served = true WHERE projection = $1 AND generation = $2", [projection.rawValue, String(generation)])
            }
        }
    }

    func drop(_ projection: ProjectionName, generation: Int64?, logger: Logger) async throws {
        let generations = self.generations
        let entries = self.entries
        try await self.call { connection in
            try connection.transaction {
                try connection.query("SELECT pg_advisory_xact_lock(hashtext($1))", [generations + projection.rawValue])
                guard let generation else {
                    try Self.deleteAll(projection, generations: generations, entries: entries, connection)
                    try connection.query("UPDATE \(self.projections) SET fingerprint = '' WHERE projection = $1", [projection.rawValue])
                    return
                }
                guard try Self.served(projection, generations, connection)?.generation != generation else { return }
                try Self.delete(projection, generation: generation, generations: generations, entries: entries, connection)
            }
        }
    }

    func dropUnserved(_ projection: ProjectionName, logger: Logger) async throws {
        let generations = self.generations
        let entries = self.entries
        try await self.call { connection in
            try connection.transaction {
                try connection.query("SELECT pg_advisory_xact_lock(hashtext($1))", [generations + projection.rawValue])
                let dropped = try connection.query(
                    "DELETE FROM \(generations) WHERE projection = $1 AND NOT served RETURNING generation",
                    [projection.rawValue]
                )
                for row in 0..<dropped.count {
                    try connection.query("DELETE FROM \(entries) WHERE projection = $1 AND generation = $2", [projection.rawValue, dropped.string(row, 0)])
                }
            }
        }
    }

    func acquireLease(_ projection: ProjectionName, holder: String, now: Date, duration: Duration, logger: Logger) async throws -> String? {
        let leases = self.leases
        let nowMilliseconds = Int64((now.timeIntervalSince1970 * 1000).rounded())
        let expires = Int64((now.addingTimeInterval(duration.inSeconds).timeIntervalSince1970 * 1000).rounded())
        return try await self.call { connection in
            try connection.transaction {
                // The row is locked (or, absent, inserted) first, so two takers are ordered.
                try connection.query(
                    "INSERT INTO \(leases) (projection, holder, expires_ms) VALUES ($1, $2, 0) ON CONFLICT (projection) DO NOTHING",
                    [projection.rawValue, holder]
                )
                let current = try connection.query("SELECT holder, expires_ms FROM \(leases) WHERE projection = $1 FOR UPDATE", [projection.rawValue])
                if let other = current.string(0, 0), other != holder, (current.int(0, 1) ?? 0) > nowMilliseconds { return other }
                try connection.query("UPDATE \(leases) SET holder = $2, expires_ms = $3 WHERE projection = $1", [projection.rawValue, holder, String(expires)])
                return nil
            }
        }
    }

    func releaseLease(_ projection: ProjectionName, holder: String, logger: Logger) async throws {
        let leases = self.leases
        _ = try await self.call { connection in
            try connection.query("DELETE FROM \(leases) WHERE projection = $1 AND holder = $2", [projection.rawValue, holder])
        }
    }

    /// The pool belongs to the topic's server: nothing of this store's own to release.
    func close(logger: Logger) async throws {}

    private static func served(_ projection: ProjectionName, _ generations: String, _ connection: PGConnection) throws -> ProjectionGeneration? {
        let rows = try connection.query(
            "SELECT generation, checkpoint FROM \(generations) WHERE projection = $1 AND served",
            [projection.rawValue],
            prepared: true
        )
        guard rows.count == 1, let generation = rows.int(0, 0), let checkpoint = rows.int(0, 1) else { return nil }
        return ProjectionGeneration(generation: generation, checkpoint: checkpoint)
    }

    /// Deletes a generation: its row first, so a writer that has not updated it yet is fenced, and one that has
    /// (holding the row) commits before the entries are deleted.
    private static func delete(
        _ projection: ProjectionName,
        generation: Int64,
        generations: String,
        entries: String,
        _ connection: PGConnection
    ) throws {
        try connection.query("DELETE FROM \(generations) WHERE projection = $1 AND generation = $2", [projection.rawValue, String(generation)])
        try connection.query("DELETE FROM \(entries) WHERE projection = $1 AND generation = $2", [projection.rawValue, String(generation)])
    }

    /// Every generation of a projection, entries and all (its generation counter is kept).
    private static func deleteAll(_ projection: ProjectionName, generations: String, entries: String, _ connection: PGConnection) throws {
        try connection.query("DELETE FROM \(generations) WHERE projection = $1", [projection.rawValue])
        try connection.query("DELETE FROM \(entries) WHERE projection = $1", [projection.rawValue])
    }

    /// `prefix` as a LIKE pattern that matches keys starting with it.
    static func likePrefix(_ prefix: String) -> String {
        var pattern = ""
        for character in prefix.unicodeScalars {
            if character == "%" || character == "_" || character == "\\" { pattern.unicodeScalars.append("\\") }
            pattern.unicodeScalars.append(character)
        }
        return pattern + "%"
    }

    /// Runs `body` with a pooled connection. Database errors become `storageUnavailable` (the detail is logged by
    /// the projection's worker); the store's own `EventStoreError`s pass as they are.
    private func call<Value: Sendable>(_ body: @escaping @Sendable (PGConnection) throws -> Value) async throws -> Value {
        do {
            return try await self.pool.withConnection(body)
        } catch let error as EventStoreError {
            throw error
        } catch {
            throw EventStoreError(.storageUnavailable, "the projection tables could not be used: \(error)")
        }
    }
}
