public import EventStoreCore
public import Logging
public import NIOPosix
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The topic catalog in a PostgreSQL table (`eventstore_catalog`, in the first schema of the connection's
/// `search_path`), shared by every server process that is given the same `--catalog` URL.
///
/// Adding a topic is an insert that keeps whichever configuration committed first, so two processes creating the
/// same name at once agree on one. Every change is announced with `NOTIFY eventstore_catalog` in its transaction;
/// a listener thread tells the service, which re-reads the catalog and attaches or detaches topics to match. The
/// table holds topics' connection strings with their secrets: grant it like a password store.
public final class PostgresTopicCatalog: TopicCatalog {
    static let table = "eventstore_catalog"
    static let channel = "eventstore_catalog"
    /// The layout of a stored configuration; rows of another format are refused, never guessed at.
    static let format = 1

    private let pool: PGConnectionPool
    private let listener: PostgresListener
    private let observers = Mutex<[@Sendable () -> Void]>([])
    private let tableCreated = Atomic<Bool>(false)

    /// - Parameters:
    ///   - connectionString: a `postgres://` URL or libpq `key=value` string.
    ///   - threadPool: runs the blocking libpq calls.
    public init(connectionString: String, threadPool: NIOThreadPool, logger: Logger) {
        // A server that does not answer costs at most the topics' connect timeout per attempt, not libpq's minutes.
        let connection = (try? PostgresStorageAdapter.effectiveConnection(connectionString)) ?? connectionString
        self.pool = PGConnectionPool(connectionString: connection, size: 2, threadPool: threadPool)
        self.listener = PostgresListener(connectionString: connection, channel: Self.channel, logger: logger)
    }

    /// Ends the notification listener and closes the pool. A catalog dropped without it still asks its listener to end.
    public func close(logger: Logger) async {
        await self.listener.finish()
        self.pool.close()
    }

    deinit {
        self.listener.stop()
        self.pool.close()
    }

    public func load(logger: Logger) async throws -> [TopicConfiguration] {
        let rows = try await self.call("read") { connection in
            try connection.query("SELECT configuration, format FROM \(Self.table) ORDER BY name")
        }
        return try (0..<rows.count).map { row in try Self.configuration(rows, row) }
    }

    public func add(_ configuration: TopicConfiguration, logger: Logger) async throws -> CatalogAddition {
        let document = String(decoding: try Self.encoder.encode(configuration), as: UTF8.self)
        let name = configuration.name.rawValue
        let stored = try await self.call("written") { connection -> PGRows? in
            try connection.transaction {
                // A row deleted between the insert and the look-up is simply inserted on the next turn.
                while true {
                    let inserted = try connection.query(
                        "INSERT INTO \(Self.table) (name, configuration, format) VALUES ($1, $2::jsonb, $3) ON CONFLICT (name) DO NOTHING RETURNING name",
                        [name, document, String(Self.format)]
                    )
                    if inserted.count == 1 {
                        try connection.query("SELECT pg_notify($1, $2)", [Self.channel, name])
                        return nil
                    }
                    let existing = try connection.query("SELECT configuration, format FROM \(Self.table) WHERE name = $1", [name])
                    if existing.count == 1 { return existing }
                }
            }
        }
        guard let stored else { return .added }
        return .alreadyStored(try Self.configuration(stored, 0))
    }

    public func replace(_ configuration: TopicConfiguration, logger: Logger) async throws {
        let document = String(decoding: try Self.encoder.encode(configuration), as: UTF8.self)
        let name = configuration.name.rawValue
        let replaced = try await self.call("written") { connection -> Bool in
            try connection.transaction {
                let updated = try connection.query(
                    "UPDATE \(Self.table) SET configuration = $2::jsonb, format = $3 WHERE name = $1 RETURNING name",
                    [name, document, String(Self.format)]
                )
                if updated.count > 0 { try connection.query("SELECT pg_notify($1, $2)", [Self.channel, name]) }
                return updated.count > 0
            }
        }
        guard replaced else { throw EventStoreError(.topicNotFound, "topic '\(configuration.name)' is not in the catalog") }
    }

    public func remove(_ name: TopicName, logger: Logger) async throws {
        try await self.call("written") { connection in
            try connection.transaction {
                let deleted = try connection.query("DELETE FROM \(Self.table) WHERE name = $1 RETURNING name", [name.rawValue])
                if deleted.count > 0 { try connection.query("SELECT pg_notify($1, $2)", [Self.channel, name.rawValue]) }
            }
        }
    }

    /// The first observer starts the listening thread (a catalog no one observes, `eventstore-replay`'s, needs none).
    public func observeChanges(_ onChange: @escaping @Sendable () -> Void) {
        let isFirst = self.observers.withLock { observers in
            observers.append(onChange)
            return observers.count == 1
        }
        guard isFirst else { return }
        self.listener.start(
            onPayload: { [weak self] _ in self?.announceChange() },
            onResync: { [weak self] in self?.announceChange() }
        )
    }

    private func announceChange() {
        for observer in self.observers.withLock({ $0 }) { observer() }
    }

    /// Runs `body` with a connection, the catalog's table created first if this process has not yet made sure of it.
    private func call<Value: Sendable>(_ action: String, _ body: @escaping @Sendable (PGConnection) throws -> Value) async throws -> Value {
        let ensureTable = !self.tableCreated.load(ordering: .relaxed)
        do {
            let value = try await self.pool.withConnection { connection in
                if ensureTable {
                    try connection.transaction {
                        try connection.query("SELECT pg_advisory_xact_lock(hashtext('eventstore schema'))")
                        try connection.query(
                            """
                            CREATE TABLE IF NOT EXISTS \(Self.table) (
                                name text PRIMARY KEY,
                                configuration jsonb NOT NULL,
                                format integer NOT NULL,
                                created_at timestamptz NOT NULL DEFAULT now()
                            )
                            """
                        )
                    }
                }
                return try body(connection)
            }
            self.tableCreated.store(true, ordering: .relaxed)
            return value
        } catch let error as PostgresError {
            throw CatalogUnavailable(message: "the PostgreSQL topic catalog could not be \(action): \(error.message)")
        }
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()

    private static func configuration(_ rows: PGRows, _ row: Int) throws -> TopicConfiguration {
        guard let format = rows.int(row, 1), format == Self.format else {
            throw CatalogUnavailable(
                message: "the PostgreSQL topic catalog holds a row of format \(rows.string(row, 1) ?? "?"); this build reads format \(Self.format)"
            )
        }
        do {
            return try JSONDecoder().decode(TopicConfiguration.self, from: Data(rows.bytes(row, 0) ?? []))
        } catch {
            throw CatalogUnavailable(message: "the PostgreSQL topic catalog holds a configuration this build cannot read: \(error)")
        }
    }
}

/// The PostgreSQL catalog cannot be read or written; the message holds no secret.
public struct CatalogUnavailable: Error, CustomStringConvertible {
    public var message: String
    public var description: String { self.message }
}
