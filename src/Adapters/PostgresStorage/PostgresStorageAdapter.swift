public import AppendGroups
public import EventStoreCore
public import Logging
public import NIOPosix
import Synchronization

/// The `postgres` adapter: a topic is a table (`schema`, `table`; default `public.events_<topic>`) in the database
/// its `connection` names (a `postgres://` URL or libpq `key=value` string).
///
/// Topics on the same server share one bounded connection pool and one notification listener. Option:
/// `poolSize` (connections to that server, default 8; the first topic to open a server sets it).
///
/// A new topic's `connection` must parse (libpq's own parser) and satisfy the ``PostgresServerPolicy`` before
/// anything connects; connections get `connect_timeout=5` unless they set one. libpq's error texts (which may quote
/// the remote server) go to the log, never to clients.
public final class PostgresStorageAdapter: StorageAdapter {
    public static let knownOptions: Set<String> = ["poolSize"]

    private struct Server {
        var pool: PGConnectionPool
        var notifier: PostgresNotifier
    }

    /// Seconds libpq waits for a server that does not answer, unless the connection says otherwise.
    public static let defaultConnectTimeout = 5
    /// New topics prepared at once (each may wait for a silent server); more are refused as `overloaded`.
    public static let maximumPreparing = 4

    private let threadPool: NIOThreadPool
    private let logger: Logger
    private let servers = Mutex<[String: Server]>([:])
    /// Tables whose schema a `prepare` made ready and no `openLog` used yet: that open sends no query.
    private let preparedTables = Mutex<Set<String>>([])
    /// New topics being prepared now: at most ``maximumPreparing`` at once hold database threads.
    private let preparing = Atomic(0)
    private let policy: PostgresServerPolicy
    public let defaultPoolSize: Int
    /// The most appends waiting for one topic's writer; one more is refused as `overloaded`.
    public let maxQueuedAppends: Int

    /// - Parameters:
    ///   - threadPool: runs every libpq call (they block).
    ///   - policy: which servers new topics may name.
    ///   - maxQueuedAppends: the most appends waiting for one topic's writer.
    ///   - logger: for the notification listeners.
    public init(
        threadPool: NIOThreadPool,
        defaultPoolSize: Int = 8,
        policy: PostgresServerPolicy = .unrestricted,
        maxQueuedAppends: Int = AppendQueue.defaultMaxDepth,
        logger: Logger
    ) {
        self.threadPool = threadPool
        self.maxQueuedAppends = maxQueuedAppends
        self.defaultPoolSize = defaultPoolSize
        self.policy = policy
        self.logger = logger
    }

    /// Ends the notification listeners and closes the pools, once every topic is closed. An adapter dropped without
    /// it still asks its listeners to end.
    public func close(logger: Logger) async {
        let servers = self.servers.withLock { servers in
            defer { servers = [:] }
            return Array(servers.values)
        }
        // All asked to end at once, then waited for.
        for server in servers { server.notifier.stop() }
        for server in servers {
            await server.notifier.finish()
            server.pool.close()
        }
    }

    deinit {
        for server in self.servers.withLock({ Array($0.values) }) {
            server.notifier.stop()
            server.pool.close()
        }
    }

    public var kind: AdapterKind { .postgres }

    /// Checks a new topic's configuration: the connection must be allowed by the policy, and client-given `schema`
    /// and `table` must be plain identifiers.
    public func validate(_ configuration: TopicConfiguration) throws {
        try self.validateStored(configuration)
        if let refusal = self.policy.refusal(try PGConnInfo(configuration.connection ?? "")) {
            throw EventStoreError(.unsupportedConfiguration, refusal)
        }
        for (field, name) in [("schema", configuration.schema), ("table", configuration.table)] {
            guard let name, !PostgresTable.isPlainIdentifier(name) else { continue }
            throw EventStoreError(
                .unsupportedConfiguration,
                "\(field) must be a plain identifier: a letter or '_', then letters, digits or '_', 63 bytes at most"
            )
        }
    }

    /// What any topic this adapter opens must satisfy, also one created before the stricter rules for new topics.
    private func validateStored(_ configuration: TopicConfiguration) throws {
        _ = try self.poolSize(for: configuration)
        _ = try PostgresTable(configuration: configuration)
        if configuration.connection?.contains("\0") == true {
            throw EventStoreError(.unsupportedConfiguration, "connection must not contain NUL characters")
        }
        _ = try PGConnInfo(configuration.connection ?? "")
    }

    /// What libpq connects with: the parsed options, with the default connect timeout.
    static func effectiveConnection(_ connection: String) throws -> String {
        try PGConnInfo(connection).connectionString(defaults: [("connect_timeout", String(Self.defaultConnectTimeout))])
    }

    /// Reaches the topic's server and makes its schema ready, so that a silent or slow server costs its time here,
    /// before the topic service takes the lock that serialises topic changes; the open that follows sends no query.
    /// - Throws: `overloaded` when ``maximumPreparing`` topics are being prepared already.
    public func prepare(_ configuration: TopicConfiguration, logger: Logger) async throws {
        guard self.preparing.add(1, ordering: .relaxed).newValue <= Self.maximumPreparing else {
            self.preparing.subtract(1, ordering: .relaxed)
            throw EventStoreError(.overloaded, "\(Self.maximumPreparing) PostgreSQL topics are being created already; try again shortly")
        }
        defer { self.preparing.subtract(1, ordering: .relaxed) }
        let key = try Self.tableKey(configuration)
        _ = try await self.log(for: configuration, creatingSchema: true, logger: logger)
        self.preparedTables.withLock { _ = $0.insert(key) }
    }

    /// Which table of which server a configuration names.
    private static func tableKey(_ configuration: TopicConfiguration) throws -> String {
        let table = try PostgresTable(configuration: configuration)
        return try Self.effectiveConnection(configuration.connection ?? "") + "\u{0}" + table.qualified
    }

    /// `connection` with its secrets masked, as libpq reads it; a string libpq cannot read is masked whole.
    public func redactConnection(_ connection: String) -> String {
        Self.redact(connection)
    }

    /// ``redactConnection(_:)`` for connection strings that no topic holds (the catalog's).
    public static func redact(_ connection: String) -> String {
        (try? PGConnInfo(connection).redacted) ?? SecretRedactor.mask
    }

    private static func unusable(_ configuration: TopicConfiguration, _ error: PostgresError, logger: Logger) -> EventStoreError {
        logger.error("PostgreSQL topic could not be opened", metadata: ["topic": "\(configuration.name)", "error": "\(error)"])
        return EventStoreError(
            .storageUnavailable,
            "the PostgreSQL storage of topic '\(configuration.name)' cannot be used: the server cannot be reached or refused the connection (the server log says why)"
        )
    }

    public func openLog(for configuration: TopicConfiguration, logger: Logger) async throws -> any EventLog {
        try self.validateStored(configuration)
        let key = try Self.tableKey(configuration)
        let prepared = self.preparedTables.withLock { $0.remove(key) != nil }
        return try await self.log(for: configuration, creatingSchema: !prepared, logger: logger)
    }

    /// A PostgreSQL topic is read as its writers commit it: every committed event is durable, and other servers may
    /// append meanwhile.
    public func openSnapshot(for configuration: TopicConfiguration, logger: Logger) async throws -> any EventLog {
        try await self.openLog(for: configuration, logger: logger)
    }

    /// The topic's read models in tables beside its events, on its server's pool (opened with its log).
    public func openProjectionStore(for configuration: TopicConfiguration, logger: Logger) async throws -> (any ProjectionStore)? {
        let connection = try Self.effectiveConnection(configuration.connection ?? "")
        guard let server = self.servers.withLock({ $0[connection] }) else {
            throw EventStoreError(.storageUnavailable, "the PostgreSQL storage of topic '\(configuration.name)' is not open")
        }
        let store = PostgresProjectionStore(pool: server.pool, table: try PostgresTable(configuration: configuration))
        do {
            try await store.createTables()
        } catch let error as PostgresError {
            throw Self.unusable(configuration, error, logger: logger)
        }
        return store
    }

    /// The topic's log on its server's shared pool and listener; `creatingSchema` makes its tables ready first.
    private func log(for configuration: TopicConfiguration, creatingSchema: Bool, logger: Logger) async throws -> PostgresEventLog {
        let connection = try Self.effectiveConnection(configuration.connection ?? "")
        let size = try self.poolSize(for: configuration)
        let (server, isNew) = self.servers.withLock { servers in
            if let server = servers[connection] { return (server, false) }
            let server = Server(
                pool: PGConnectionPool(connectionString: connection, size: size, threadPool: self.threadPool),
                notifier: PostgresNotifier(connectionString: connection, logger: self.logger)
            )
            servers[connection] = server
            return (server, true)
        }
        let log = PostgresEventLog(
            topic: configuration.name,
            table: try PostgresTable(configuration: configuration),
            pool: server.pool,
            notifier: server.notifier,
            maxQueuedAppends: self.maxQueuedAppends,
            logger: logger
        )
        do {
            if creatingSchema { try await log.createSchema() }
        } catch let error as PostgresError {
            if isNew {  // a server no topic uses keeps no listener
                self.servers.withLock { $0[connection] = nil }
                server.notifier.stop()
                server.pool.close()
            }
            throw Self.unusable(configuration, error, logger: logger)
        }
        return log
    }

    private func poolSize(for configuration: TopicConfiguration) throws(EventStoreError) -> Int {
        if let unknown = configuration.options.keys.filter({ !Self.knownOptions.contains($0) }).sorted().first {
            throw EventStoreError(.unsupportedConfiguration, "unknown postgres option '\(unknown)'; known: poolSize")
        }
        guard let text = configuration.options["poolSize"] else { return self.defaultPoolSize }
        guard let size = Int(text), (1...1000).contains(size) else {
            throw EventStoreError(.unsupportedConfiguration, "options.poolSize must be an integer from 1 to 1000")
        }
        return size
    }
}
