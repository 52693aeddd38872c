public import Logging

/// Opens event logs of one storage technology: the factory behind a topic's `adapter` field.
public protocol StorageAdapter: Sendable {
    /// The `adapter` value this adapter serves.
    var kind: AdapterKind { get }

    /// Checks the adapter-specific parts of a configuration before the topic is created.
    /// - Throws: `EventStoreError.unsupportedConfiguration` saying what is wrong.
    func validate(_ configuration: TopicConfiguration) throws

    /// Opens (creating if needed) the log of the configured topic.
    /// - Throws: `EventStoreError.storageUnavailable` or `.storageCorrupted` when the storage cannot be used.
    func openLog(for configuration: TopicConfiguration, logger: Logger) async throws -> any EventLog
}
