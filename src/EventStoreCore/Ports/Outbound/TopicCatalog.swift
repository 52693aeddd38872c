public import Logging

/// Durable list of the topics attached to the service, so they survive restarts.
public protocol TopicCatalog: Sendable {
    /// Every stored configuration.
    func load(logger: Logger) async throws -> [TopicConfiguration]
    /// Stores (or replaces) a configuration durably before returning.
    func save(_ configuration: TopicConfiguration, logger: Logger) async throws
    /// Removes a configuration durably before returning; removing an absent one is not an error.
    func remove(_ name: TopicName, logger: Logger) async throws
}
