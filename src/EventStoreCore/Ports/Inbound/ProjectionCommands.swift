public import Logging

/// Declares, removes and rebuilds projections at run time; declarations are stored with the topic in the catalog.
public protocol ProjectionCommands: Sendable {
    /// Adds a projection to a topic and starts it from offset 0.
    /// - Throws: `topicNotFound`, `invalidArgument` (a bad definition, naming the field), `projectionConflict` (the
    ///   name is taken), `limitExceeded` (the topic has its maximum of projections), `storageUnavailable`.
    func addProjection(_ definition: ProjectionDefinition, to topic: TopicName, logger: Logger) async throws -> ProjectionInfo

    /// Removes a projection and its read model.
    /// - Throws: `topicNotFound`, `projectionNotFound`, `storageUnavailable`.
    func removeProjection(_ name: ProjectionName, from topic: TopicName, logger: Logger) async throws

    /// Starts an online rebuild into a new generation, served once it has caught up; the old one is served meanwhile.
    /// - Throws: `topicNotFound`, `projectionNotFound`, `projectionConflict` (a rebuild is already running).
    func rebuildProjection(_ name: ProjectionName, of topic: TopicName, logger: Logger) async throws -> ProjectionInfo
}
