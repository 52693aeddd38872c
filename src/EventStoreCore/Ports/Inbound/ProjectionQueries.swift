public import Logging

/// Reads projections: summaries, whole states, pages of entries and single entries, each at a checkpoint.
public protocol ProjectionQueries: Sendable {
    /// Every projection of a topic, by name.
    /// - Throws: `topicNotFound`.
    func listProjections(of topic: TopicName, logger: Logger) async throws -> [ProjectionInfo]

    /// One projection's summary with its whole state (`stats`) or a page of its entries.
    /// - Throws: `topicNotFound`, `projectionNotFound`, `invalidArgument`, `waitTimedOut` (the checkpoint did not
    ///   reach `minCheckpoint` in time), `storageUnavailable`.
    func projection(_ query: ProjectionQuery, logger: Logger) async throws -> ProjectionView

    /// One entry, with the projection's summary at the entry's checkpoint.
    /// - Throws: as ``projection(_:logger:)``, and `entryNotFound`.
    func projectionEntry(_ key: ProjectionKey, query: ProjectionQuery, logger: Logger) async throws -> (ProjectionInfo, RawJSON)
}
