public import Configuration
public import EventStoreCore
public import EventStoreEngine
import AzureBlobStorage
import FileSystemCatalog
import FileSystemStorage
public import Logging
import MemoryStorage
public import NIOPosix
import PostgresStorage
public import ServiceLifecycle

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The composition root without HTTP: the storage adapters behind the engine, the catalog, the topics and their
/// projections, and the services that own their lifecycles. `eventstore-api` puts the REST API on top;
/// `eventstore-replay` uses it alone.
public struct EventStoreRuntime: Sendable {
    public let settings: RuntimeSettings
    public let registry: TopicRegistry
    public let topics: TopicService
    /// Reads events for the engine's workers (and the REST API), within the read limits.
    public let reader: EventReader
    public let projections: ProjectionService
    /// The storage adapters this build includes, by kind.
    public let adapters: [AdapterKind: any StorageAdapter]
    /// Where topic configurations are kept.
    public let catalog: any TopicCatalog
    /// Runs the file adapters' (and other local) blocking calls.
    public let storageThreads: NIOThreadPool
    /// Runs libpq's blocking calls, apart, so a slow database never holds up file topics.
    public let databaseThreads: NIOThreadPool
    /// Runs the projection databases of fs topics, apart, so a read model never holds up appends.
    public let projectionThreads: NIOThreadPool
    /// Runs libcurl's blocking calls to the Blob service, apart from the database's.
    public let blobThreads: NIOThreadPool

    /// Builds the runtime: thread pools started, adapters and catalog wired; no topic attached yet.
    /// - Parameter leaseHolder: who this process is in projection rebuild leases.
    public init(settings: RuntimeSettings, leaseHolder: String, logger: Logger) throws {
        self.settings = settings
        self.storageThreads = NIOThreadPool(numberOfThreads: 4)
        self.storageThreads.start()
        self.databaseThreads = NIOThreadPool(numberOfThreads: 16)
        self.databaseThreads.start()
        self.projectionThreads = NIOThreadPool(numberOfThreads: 2)
        self.projectionThreads.start()
        self.blobThreads = NIOThreadPool(numberOfThreads: 16)
        self.blobThreads.start()
        self.registry = TopicRegistry()
        self.reader = EventReader(topics: self.registry, limits: settings.readLimits)
        self.projections = ProjectionService(
            kinds: Self.projectionKinds,
            registry: self.registry,
            reader: self.reader,
            batchSize: min(1000, settings.readLimits.maxPageSize),
            maxPageBytes: settings.readLimits.maxPageBytes,
            maxWait: settings.readLimits.maxWait,
            leaseHolder: leaseHolder,
            logger: logger
        )
        let adapters = try Self.storageAdapters(
            settings: settings,
            threadPool: self.storageThreads,
            databaseThreads: self.databaseThreads,
            projectionThreads: self.projectionThreads,
            blobThreads: self.blobThreads,
            logger: logger
        )
        self.adapters = Dictionary(adapters.map { ($0.kind, $0) }, uniquingKeysWith: { first, _ in first })
        self.catalog = Self.catalog(settings: settings, databaseThreads: self.databaseThreads, logger: logger)
        self.topics = TopicService(
            registry: self.registry,
            adapters: adapters,
            catalog: self.catalog,
            projections: self.projections,
            memoryProjectionStore: { MemoryProjectionStore() },
            projectionLimits: settings.projectionLimits,
            logger: logger
        )
    }

    /// Attaches the catalog's topics, then the topics file's.
    /// - Throws: when the catalog or the topics file cannot be read, or a declared topic conflicts.
    public func attachTopics() async throws {
        var declared: [TopicConfiguration] = []
        if let topicsFile = self.settings.topicsFile {
            declared = try await Self.loadTopicsFile(topicsFile)
        }
        try await self.topics.attachStoredTopics(declared: declared)
    }

    /// The services that own the runtime's resources: the thread pools shut down once the topics (which use them) have
    /// closed, at a graceful shutdown or a cancellation alike.
    public var services: [any Service] {
        [
            ThreadPoolService(threadPool: self.storageThreads, after: self.topics.closed),
            ThreadPoolService(threadPool: self.databaseThreads, after: self.topics.closed),
            ThreadPoolService(threadPool: self.projectionThreads, after: self.topics.closed),
            ThreadPoolService(threadPool: self.blobThreads, after: self.topics.closed), self.topics,
        ]
    }

    /// The projection kinds this build offers: the one place a kind is registered. A custom kind is a type
    /// conforming to `ProjectionKind`, added here: `ProjectionKinds.builtIn.adding([MyKind.self])`.
    public static let projectionKinds = ProjectionKinds.builtIn

    /// What `eventstore-replay` needs of a topic: its configuration (the catalog's, else the topics file's), its
    /// log opened read-only beside any writer, and its projection store.
    /// - Throws: `topicNotFound`, or the adapter's errors (a memory topic cannot be read from another process).
    public func openForReplay(_ name: TopicName, logger: Logger) async throws -> (TopicConfiguration, any EventLog, any ProjectionStore) {
        var configuration = try await self.catalog.load(logger: logger).first { $0.name == name }
        if configuration == nil, let topicsFile = self.settings.topicsFile {
            configuration = try await Self.loadTopicsFile(topicsFile).first { $0.name == name }
        }
        guard let configuration else {
            throw EventStoreError(.topicNotFound, "topic '\(name)' is neither in the catalog of \(self.settings.dataDirectory) nor in the topics file")
        }
        guard let adapter = self.adapters[configuration.adapter] else {
            throw EventStoreError(.unsupportedConfiguration, "adapter '\(configuration.adapter)' of topic '\(name)' is not in this build")
        }
        let log = try await adapter.openSnapshot(for: configuration, logger: logger)
        let store = try await adapter.openProjectionStore(for: configuration, logger: logger)
        guard let store else {
            throw EventStoreError(.storageUnavailable, "topic '\(name)' keeps its projections in its server's memory; rebuild through the server (--server URL)")
        }
        return (configuration, log, store)
    }

    /// Who this process is, in projection rebuild leases: `eventstore-api pid 42 on host (1f2e3d4c)`, the suffix
    /// random, so two containers that are both pid 1 on hosts of one name are two holders.
    public static func leaseHolder(_ program: String) -> String {
        var name = [UInt8](repeating: 0, count: 256)
        gethostname(&name, name.count - 1)
        let nonce = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return "\(program) pid \(getpid()) on \(String(decoding: name.prefix { $0 != 0 }, as: UTF8.self)) (\(nonce))"
    }

    /// The storage adapters this build includes.
    static func storageAdapters(
        settings: RuntimeSettings,
        threadPool: NIOThreadPool,
        databaseThreads: NIOThreadPool,
        projectionThreads: NIOThreadPool,
        blobThreads: NIOThreadPool,
        logger: Logger
    ) throws -> [any StorageAdapter] {
        [
            MemoryStorageAdapter(maxTopicBytes: settings.memoryTopicMaxBytes),
            try FileSystemStorageAdapter(
                allowedRoots: settings.fileSystemRoots,
                serverDirectory: settings.dataDirectory,
                defaults: FileSystemEventLog.Options(maxQueuedAppends: settings.maxQueuedAppends, recentBytes: settings.fileSystemRecentBytes),
                threadPool: threadPool,
                projectionThreadPool: projectionThreads
            ),
            PostgresStorageAdapter(
                threadPool: databaseThreads,
                policy: try PostgresServerPolicy(allow: settings.postgresAllow, allowsClientFiles: settings.postgresAllowClientFiles),
                maxQueuedAppends: settings.maxQueuedAppends,
                logger: logger
            ),
            BlobStorageAdapter(
                threadPool: blobThreads,
                policy: try BlobEndpointPolicy(allow: settings.blobAllow),
                defaults: BlobEventLog.Options(maxQueuedAppends: settings.maxQueuedAppends)
            ),
        ]
    }

    /// The topic catalog the settings name: the file in the data directory, or a PostgreSQL one that several server
    /// processes share.
    static func catalog(settings: RuntimeSettings, databaseThreads: NIOThreadPool, logger: Logger) -> any TopicCatalog {
        guard let connection = settings.catalog else { return FileSystemTopicCatalog(directory: settings.dataDirectory) }
        logger.info("Topic catalog in PostgreSQL", metadata: ["catalog": "\(PostgresStorageAdapter.redact(connection))"])
        return PostgresTopicCatalog(connectionString: connection, threadPool: databaseThreads, logger: logger)
    }

    /// The content of a file the settings name (`what` says which, for the error), read on a thread pool.
    public static func read(_ path: String, _ what: String) async throws -> Data {
        do {
            return try await NIOThreadPool.singleton.runIfActive { try Data(contentsOf: URL(fileURLWithPath: path)) }
        } catch {
            throw SettingsError("cannot read \(what) \(path): \(error)")
        }
    }

    /// Reads a topics file: a JSON array of topic configurations in the client's format.
    static func loadTopicsFile(_ path: String) async throws -> [TopicConfiguration] {
        let bytes = try await Self.read(path, "the topics file")
        do {
            return try JSONDecoder().decode([TopicConfiguration].self, from: bytes)
        } catch {
            throw SettingsError("the topics file \(path) is not a JSON array of topic configurations: \(error)")
        }
    }

    /// The configuration the command line and the environment give: a flag wins over the environment, which wins
    /// over the default.
    /// - Parameters:
    ///   - arguments: the setting arguments, without the executable's name.
    ///   - definitions: the settings the executable takes.
    /// - Throws: `SettingsError` for an unknown flag or a malformed value.
    public static func configuration(arguments: [String], definitions: [SettingDefinition]) throws -> ConfigReader {
        ConfigReader(providers: [
            InMemoryProvider(name: "arguments", values: try SettingArguments.parse(arguments, definitions: definitions)),
            EnvironmentVariablesProvider(),
        ])
    }

    /// Sends every log line to standard error, at `level` and above.
    public static func bootstrapLogging(level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
