public import EventStoreCore
public import Logging
import Synchronization

/// The `memory` adapter: volatile logs that live as long as the process.
///
/// A detached topic's log is kept, so re-attaching a topic of the same name in the same process finds its events
/// again, as with the durable adapters.
public final class MemoryStorageAdapter: StorageAdapter {
    private let logs = Mutex<[TopicName: MemoryEventLog]>([:])
    /// The most bytes of event payload one topic holds.
    public let maxTopicBytes: Int

    public init(maxTopicBytes: Int = 1 << 30) {
        self.maxTopicBytes = maxTopicBytes
    }

    public var kind: AdapterKind { .memory }

    public func validate(_ configuration: TopicConfiguration) throws {}

    /// A memory topic's events live in its server's memory: another process cannot read them.
    public func openSnapshot(for configuration: TopicConfiguration, logger: Logger) async throws -> any EventLog {
        throw EventStoreError(
            .storageUnavailable,
            "topic '\(configuration.name)' is a memory topic: its events live in the server; rebuild through the server (--server URL)"
        )
    }

    public func openLog(for configuration: TopicConfiguration, logger: Logger) async throws -> any EventLog {
        self.logs.withLock { logs in
            if let log = logs[configuration.name] { return log }
            let log = MemoryEventLog(maxBytes: self.maxTopicBytes)
            logs[configuration.name] = log
            return log
        }
    }
}
