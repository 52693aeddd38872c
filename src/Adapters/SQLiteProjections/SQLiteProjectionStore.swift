public import EventStoreCore
public import Logging
public import NIOPosix
import Synchronization

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Projection read models in an embedded SQLite database beside an fs topic's segments (`projections.sqlite`),
/// readable with the `sqlite3` tool:
///
/// - `generations(projection, generation, checkpoint, served)`: each generation and the checkpoint it has applied;
///   one per projection is served.
/// - `entries(projection, generation, key, value)`: the read models; `value` is compact JSON text; keys sort by
///   their UTF-8 bytes (SQLite's BINARY collation).
/// - `projections(projection, fingerprint, last_generation)`: the definition each model was made by, and the last
///   generation number given out (numbers are never reused).
/// - `leases(projection, holder, expires_ms)`: who is rebuilding what.
///
/// A batch is one `BEGIN IMMEDIATE` transaction: the checkpoint moves only if it still is the batch's `from` (the
/// fence), and the changed entries are written with it, so the cost follows the changes, not the model. WAL mode with
/// `synchronous=NORMAL`: a crash of the process loses nothing committed; a power cut may lose the last commits, never
/// part of one, so model and checkpoint always agree. Several processes (the server and `eventstore-replay`) may
/// open one database; SQLite's locks order their writes.
public final class SQLiteProjectionStore: ProjectionStore {
    /// The database's file name in the topic's directory.
    public static let fileName = "projections.sqlite"

    private let connection: Mutex<SQLiteConnection?>
    private let threadPool: NIOThreadPool
    public let path: String

    private init(connection: sending SQLiteConnection, path: String, threadPool: NIOThreadPool) {
        self.connection = Mutex(connection)
        self.path = path
        self.threadPool = threadPool
    }

    /// Opens (creating) the database at `path`, on the thread pool.
    public static func open(path: String, threadPool: NIOThreadPool) async throws -> SQLiteProjectionStore {
        try await threadPool.runIfActive {
            let connection = try SQLiteConnection(path: path)
            try connection.execute(
                """
                CREATE TABLE IF NOT EXISTS generations (
                    projection TEXT NOT NULL,
                    generation INTEGER NOT NULL,
                    checkpoint INTEGER NOT NULL,
                    served INTEGER NOT NULL DEFAULT 0,
                    PRIMARY KEY (projection, generation)
                ) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS entries (
                    projection TEXT NOT NULL,
                    generation INTEGER NOT NULL,
                    key TEXT NOT NULL,
                    value TEXT NOT NULL,
                    PRIMARY KEY (projection, generation, key)
                ) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS projections (
                    projection TEXT PRIMARY KEY,
                    fingerprint TEXT NOT NULL,
                    last_generation INTEGER NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS leases (
                    projection TEXT PRIMARY KEY,
                    holder TEXT NOT NULL,
                    expires_ms INTEGER NOT NULL
                ) WITHOUT ROWID;
                """
            )
            return SQLiteProjectionStore(connection: connection, path: path, threadPool: threadPool)
        }
    }

    public func adopt(_ projection: ProjectionName, fingerprint: String, logger: Logger) async throws {
        try await self.call { connection in
            try connection.transaction(immediate: true) {
                let known = try connection.statement("SELECT fingerprint FROM projections WHERE projection = ?").bind(.text(projection.rawValue))
                if try known.step(), known.text(0) != fingerprint {
                    try Self.deleteAll(projection, connection)
                }
                try connection.statement(
                    "INSERT INTO projections (projection, fingerprint, last_generation) VALUES (?, ?, 0) ON CONFLICT (projection) DO UPDATE SET fingerprint = excluded.fingerprint"
                ).bind(.text(projection.rawValue), .text(fingerprint)).run()
            }
        }
    }

    public func served(_ projection: ProjectionName, logger: Logger) async throws -> ProjectionGeneration? {
        try await self.call { connection in try Self.served(projection, connection) }
    }

    public func createGeneration(of projection: ProjectionName, logger: Logger) async throws -> ProjectionGeneration {
        try await self.call { connection in
            try connection.transaction(immediate: true) {
                let next = try connection.statement(
                    "INSERT INTO projections (projection, fingerprint, last_generation) VALUES (?, '', 1) ON CONFLICT (projection) DO UPDATE SET last_generation = last_generation + 1 RETURNING last_generation"
                ).bind(.text(projection.rawValue))
                _ = try next.step()
                let generation = next.int64(0)
                let isFirst = try Self.served(projection, connection) == nil
                try connection.statement("INSERT INTO generations (projection, generation, checkpoint, served) VALUES (?, ?, 0, ?)")
                    .bind(.text(projection.rawValue), .integer(generation), .integer(isFirst ? 1 : 0)).run()
                return ProjectionGeneration(generation: generation, checkpoint: 0)
            }
        }
    }

    public func apply(_ batch: ProjectionBatch, logger: Logger) async throws {
        try await self.call { connection in
            try connection.transaction(immediate: true) {
                try connection.statement("UPDATE generations SET checkpoint = ? WHERE projection = ? AND generation = ? AND checkpoint = ?")
                    .bind(.integer(batch.to), .text(batch.projection.rawValue), .integer(batch.generation), .integer(batch.from)).run()
                guard connection.changes == 1 else {
                    throw EventStoreError(
                        .generationFenced,
                        "generation \(batch.generation) of projection '\(batch.projection)' is not at \(batch.from)"
                    )
                }
                // In key order: the index is then filled from left to right, not at random.
                for (key, value) in batch.changes.sorted(by: { $0.key < $1.key }) {
                    if let value {
                        try connection.statement("INSERT INTO entries (projection, generation, key, value) VALUES (?, ?, ?, ?) ON CONFLICT (projection, generation, key) DO UPDATE SET value = excluded.value")
                            .bind(.text(batch.projection.rawValue), .integer(batch.generation), .text(key.text), .bytes(value.bytes)).run()
                    } else {
                        try connection.statement("DELETE FROM entries WHERE projection = ? AND generation = ? AND key = ?")
                            .bind(.text(batch.projection.rawValue), .integer(batch.generation), .text(key.text)).run()
                    }
                }
            }
        }
    }

    public func values(
        of keys: Set<ProjectionKey>,
        in projection: ProjectionName,
        generation: Int64,
        logger: Logger
    ) async throws -> [ProjectionKey: RawJSON] {
        try await self.call { connection in
            var values: [ProjectionKey: RawJSON] = [:]
            for key in keys {
                let select = try connection.statement("SELECT value FROM entries WHERE projection = ? AND generation = ? AND key = ?")
                    .bind(.text(projection.rawValue), .integer(generation), .text(key.text))
                if try select.step() { values[key] = RawJSON(storedBytes: select.bytes(0)) }
            }
            return values
        }
    }

    public func entries(
        of projection: ProjectionName,
        after: ProjectionKey?,
        prefix: String,
        limit: Int,
        maxBytes: Int,
        logger: Logger
    ) async throws -> ProjectionEntriesPage {
        try await self.call { connection in
            try connection.transaction(immediate: false) {
                let served = try Self.requireServed(projection, connection)
                // From the later of `after` (exclusive) and the prefix; rows stop at the first key past the prefix.
                let start = ProjectionKey.pageStart(after: after, prefix: prefix)
                let select = try connection.statement(
                    start.inclusive
                        ? "SELECT key, value FROM entries WHERE projection = ? AND generation = ? AND key >= ? ORDER BY key"
                        : "SELECT key, value FROM entries WHERE projection = ? AND generation = ? AND key > ? ORDER BY key"
                ).bind(.text(projection.rawValue), .integer(served.generation), .text(start.key.text))
                var entries: [ProjectionEntry] = []
                var bytes = 0
                var endedAtBudget = false
                while entries.count < limit, try select.step() {
                    let key = ProjectionKey(select.text(0))
                    guard key.hasPrefix(prefix) else { break }
                    let value = select.bytes(1)
                    bytes += value.count
                    if bytes > maxBytes, !entries.isEmpty {
                        endedAtBudget = true
                        break
                    }
                    entries.append(ProjectionEntry(key: key, value: RawJSON(storedBytes: value)))
                }
                return ProjectionEntriesPage(entries: entries, generation: served, endedAtBudget: endedAtBudget)
            }
        }
    }

    public func entry(_ key: ProjectionKey, of projection: ProjectionName, logger: Logger) async throws -> ProjectionEntriesPage {
        try await self.call { connection in
            try connection.transaction(immediate: false) {
                let served = try Self.requireServed(projection, connection)
                let select = try connection.statement("SELECT value FROM entries WHERE projection = ? AND generation = ? AND key = ?")
                    .bind(.text(projection.rawValue), .integer(served.generation), .text(key.text))
                let entries = try select.step() ? [ProjectionEntry(key: key, value: RawJSON(storedBytes: select.bytes(0)))] : []
                return ProjectionEntriesPage(entries: entries, generation: served)
            }
        }
    }

    public func swap(_ projection: ProjectionName, to generation: Int64, logger: Logger) async throws {
        try await self.call { connection in
            try connection.transaction(immediate: true) {
                let exists = try connection.statement("SELECT 1 FROM generations WHERE projection = ? AND generation = ?")
                    .bind(.text(projection.rawValue), .integer(generation))
                guard try exists.step() else {
                    throw EventStoreError(.generationFenced, "generation \(generation) of projection '\(projection)' does not exist")
                }
                if let old = try Self.served(projection, connection), old.generation != generation {
                    try Self.delete(projection, generation: old.generation, connection)
                }
                try connection.statement("UPDATE generations SET served = 1 WHERE projection = ? AND generation = ?")
                    .bind(.text(projection.rawValue), .integer(generation)).run()
            }
        }
    }

    public func drop(_ projection: ProjectionName, generation: Int64?, logger: Logger) async throws {
        try await self.call { connection in
            try connection.transaction(immediate: true) {
                guard let generation else {
                    try Self.deleteAll(projection, connection)
                    try connection.statement("UPDATE projections SET fingerprint = '' WHERE projection = ?").bind(.text(projection.rawValue)).run()
                    return
                }
                guard try Self.served(projection, connection)?.generation != generation else { return }
                try Self.delete(projection, generation: generation, connection)
            }
        }
    }

    public func dropUnserved(_ projection: ProjectionName, logger: Logger) async throws {
        try await self.call { connection in
            try connection.transaction(immediate: true) {
                try connection.statement(
                    "DELETE FROM entries WHERE projection = ? AND generation IN (SELECT generation FROM generations WHERE projection = ? AND served = 0)"
                ).bind(.text(projection.rawValue), .text(projection.rawValue)).run()
                try connection.statement("DELETE FROM generations WHERE projection = ? AND served = 0").bind(.text(projection.rawValue)).run()
            }
        }
    }

    public func acquireLease(_ projection: ProjectionName, holder: String, now: Date, duration: Duration, logger: Logger) async throws -> String? {
        let nowMilliseconds = Int64((now.timeIntervalSince1970 * 1000).rounded())
        let expires = Int64((now.addingTimeInterval(duration.inSeconds).timeIntervalSince1970 * 1000).rounded())
        return try await self.call { connection in
            try connection.transaction(immediate: true) {
                let current = try connection.statement("SELECT holder, expires_ms FROM leases WHERE projection = ?").bind(.text(projection.rawValue))
                if try current.step() {
                    let other = current.text(0)
                    if other != holder, current.int64(1) > nowMilliseconds { return other }
                }
                try connection.statement("INSERT OR REPLACE INTO leases (projection, holder, expires_ms) VALUES (?, ?, ?)")
                    .bind(.text(projection.rawValue), .text(holder), .integer(expires)).run()
                return nil
            }
        }
    }

    public func releaseLease(_ projection: ProjectionName, holder: String, logger: Logger) async throws {
        try await self.call { connection in
            try connection.statement("DELETE FROM leases WHERE projection = ? AND holder = ?").bind(.text(projection.rawValue), .text(holder)).run()
        }
    }

    public func close(logger: Logger) async throws {
        try await self.threadPool.runIfActive {
            self.connection.withLock { connection in
                connection?.close()
                connection = nil
            }
        }
    }

    /// Every generation of a projection, entries and all (its generation counter is kept).
    private static func deleteAll(_ projection: ProjectionName, _ connection: SQLiteConnection) throws {
        try connection.statement("DELETE FROM entries WHERE projection = ?").bind(.text(projection.rawValue)).run()
        try connection.statement("DELETE FROM generations WHERE projection = ?").bind(.text(projection.rawValue)).run()
    }

    private static func served(_ projection: ProjectionName, _ connection: SQLiteConnection) throws -> ProjectionGeneration? {
        let select = try connection.statement("SELECT generation, checkpoint FROM generations WHERE projection = ? AND served = 1")
            .bind(.text(projection.rawValue))
        guard try select.step() else { return nil }
        return ProjectionGeneration(generation: select.int64(0), checkpoint: select.int64(1))
    }

    private static func requireServed(_ projection: ProjectionName, _ connection: SQLiteConnection) throws -> ProjectionGeneration {
        guard let served = try Self.served(projection, connection) else {
            throw EventStoreError(.projectionNotFound, "projection '\(projection)' has no read model yet")
        }
        return served
    }

    private static func delete(_ projection: ProjectionName, generation: Int64, _ connection: SQLiteConnection) throws {
        try connection.statement("DELETE FROM entries WHERE projection = ? AND generation = ?")
            .bind(.text(projection.rawValue), .integer(generation)).run()
        try connection.statement("DELETE FROM generations WHERE projection = ? AND generation = ?")
            .bind(.text(projection.rawValue), .integer(generation)).run()
    }

    /// Runs `body` with the connection on the thread pool. SQLite's errors become `storageUnavailable` (logged by
    /// the caller's storage call); the store's own `EventStoreError`s pass as they are.
    private func call<Value: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> Value) async throws -> Value {
        try await self.threadPool.runIfActive {
            try self.connection.withLock { connection in
                guard let connection else { throw EventStoreError(.storageUnavailable, "the projection store is closed") }
                defer { connection.resetStatements() }
                do {
                    return try body(connection)
                } catch let error as EventStoreError {
                    throw error
                } catch {
                    throw EventStoreError(.storageUnavailable, "the projection database failed: \(error)")
                }
            }
        }
    }
}
