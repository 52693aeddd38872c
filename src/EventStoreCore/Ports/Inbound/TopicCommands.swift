public import Logging

/// Changes to the set of attached topics (the control plane's write side).
public protocol TopicCommands: Sendable {
    /// Attaches a topic and persists its configuration.
    /// - Returns: `created == false` when the identical configuration was already attached.
    /// - Throws: `EventStoreError.topicConflict` for a different configuration under the same name,
    ///   `.unsupportedConfiguration` for an invalid one, `.storageUnavailable` when its storage cannot be opened.
    func createTopic(_ configuration: TopicConfiguration, logger: Logger) async throws -> TopicCreation

    /// Detaches a topic. Its stored events are kept.
    /// - Throws: `EventStoreError.topicNotFound`.
    func deleteTopic(_ name: TopicName, logger: Logger) async throws
}
