public import Logging

/// Opens event logs of one storage technology: the factory behind a topic's `adapter` field.
public protocol StorageAdapter: Sendable {
    /// The `adapter` value this adapter serves.
    var kind: AdapterKind { get }

    /// Checks the adapter-specific parts of a configuration before the topic is created.
    /// - Throws: `EventStoreError.unsupportedConfiguration` saying what is wrong.
    func validate(_ configuration: TopicConfiguration) throws

    /// Gets ready to open a new topic's log, doing the slow part (reaching a server) before the topic service takes
    /// the lock that serialises topic changes. Called after ``validate(_:)``.
    /// - Throws: `EventStoreError.storageUnavailable` when the storage cannot be reached.
    func prepare(_ configuration: TopicConfiguration, logger: Logger) async throws

    /// Opens (creating if needed) the log of the configured topic.
    /// - Throws: `EventStoreError.storageUnavailable` or `.storageCorrupted` when the storage cannot be used.
    func openLog(for configuration: TopicConfiguration, logger: Logger) async throws -> any EventLog

    /// Opens the topic's log for reading only, beside a writer that may hold it in another process: what
    /// `eventstore-replay` reads. It reads only what the writer made durable.
    /// - Throws: `EventStoreError.storageUnavailable` when the storage cannot be read this way (memory topics live
    ///   in their server).
    func openSnapshot(for configuration: TopicConfiguration, logger: Logger) async throws -> any EventLog

    /// `connection` as responses and logs may show it: every secret masked. Each adapter knows its own connection
    /// strings best.
    func redactConnection(_ connection: String) -> String

    /// Opens the store of a topic's projections beside its events, or nil when this adapter keeps none: then the
    /// service keeps the read models in memory and rebuilds them from the log at each start.
    /// - Throws: `EventStoreError.storageUnavailable` when the store cannot be opened.
    func openProjectionStore(for configuration: TopicConfiguration, logger: Logger) async throws -> (any ProjectionStore)?

    /// Ends what the adapter runs beside its logs (listener threads, connection pools), after every log is closed.
    func close(logger: Logger) async
}

extension StorageAdapter {
    /// Nothing to get ready: local storage opens quickly.
    public func prepare(_ configuration: TopicConfiguration, logger: Logger) async throws {}

    /// Nothing runs beside the logs.
    public func close(logger: Logger) async {}

    /// No projection store of its own.
    public func openProjectionStore(for configuration: TopicConfiguration, logger: Logger) async throws -> (any ProjectionStore)? { nil }

    /// Masks secrets by name (`password=`, URL passwords, `AccountKey=`...).
    public func redactConnection(_ connection: String) -> String {
        SecretRedactor.redactConnection(connection)
    }
}
