public import Logging

/// Reads of the set of attached topics (the control plane's read side).
public protocol TopicQueries: Sendable {
    /// Every attached topic, by name.
    func listTopics(logger: Logger) async -> [TopicInfo]
    /// One attached topic.
    /// - Throws: `EventStoreError.topicNotFound`.
    func topic(named name: TopicName, logger: Logger) async throws -> TopicInfo
    /// Each topic's adapter and state.
    func health(logger: Logger) async -> ServiceHealth
}
