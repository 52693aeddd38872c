public import EventStoreCore
public import Logging
import Synchronization

/// A catalog that forgets everything when the process ends: for tests and throwaway runs.
public final class MemoryTopicCatalog: TopicCatalog {
    private let configurations: Mutex<[TopicName: TopicConfiguration]>

    public init(_ configurations: [TopicConfiguration] = []) {
        self.configurations = Mutex(Dictionary(configurations.map { ($0.name, $0) }, uniquingKeysWith: { $1 }))
    }

    public func load(logger: Logger) async throws -> [TopicConfiguration] {
        self.configurations.withLock { $0.values.sorted { $0.name < $1.name } }
    }

    public func add(_ configuration: TopicConfiguration, logger: Logger) async throws -> CatalogAddition {
        self.configurations.withLock { configurations in
            if let stored = configurations[configuration.name] { return .alreadyStored(stored) }
            configurations[configuration.name] = configuration
            return .added
        }
    }

    public func replace(_ configuration: TopicConfiguration, logger: Logger) async throws {
        try self.configurations.withLock { configurations throws(EventStoreError) in
            guard configurations[configuration.name] != nil else {
                throw EventStoreError(.topicNotFound, "topic '\(configuration.name)' is not in the catalog")
            }
            configurations[configuration.name] = configuration
        }
    }

    public func remove(_ name: TopicName, logger: Logger) async throws {
        _ = self.configurations.withLock { $0.removeValue(forKey: name) }
    }
}
