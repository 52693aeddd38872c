public import Logging

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Where one topic's projections keep their read models: per projection, generations of entries (key → JSON), each
/// with the checkpoint it has applied up to; one generation is served.
///
/// A store makes every ``apply(_:logger:)`` atomic (the changes and the checkpoint, or nothing, even when the process
/// dies in the middle) and fences writers by generation: a write to a generation that was dropped or swapped out, or
/// from a checkpoint that is not the stored one, is refused, so a rebuild and a live worker never overwrite each
/// other. Writing costs in proportion to the changes, never to the model's size.
public protocol ProjectionStore: Sendable {
    /// Makes sure the stored read model of `projection` was made by a definition of this fingerprint: one made by
    /// another (the projection was removed and declared again differently) is dropped, generations and all.
    func adopt(_ projection: ProjectionName, fingerprint: String, logger: Logger) async throws

    /// The served generation and its checkpoint; nil when the projection has none yet.
    func served(_ projection: ProjectionName, logger: Logger) async throws -> ProjectionGeneration?

    /// Starts a new, empty generation at checkpoint 0, beside the served one; a projection's first generation is
    /// served at once. Generation numbers only grow, even across drops, so a number is never reused.
    func createGeneration(of projection: ProjectionName, logger: Logger) async throws -> ProjectionGeneration

    /// Applies one batch atomically: its changes and its new checkpoint, or nothing.
    /// - Throws: `EventStoreError.generationFenced` when the generation is gone or its checkpoint is not
    ///   `batch.from`.
    func apply(_ batch: ProjectionBatch, logger: Logger) async throws

    /// The stored values of `keys` in a generation; absent keys are left out.
    func values(
        of keys: Set<ProjectionKey>,
        in projection: ProjectionName,
        generation: Int64,
        logger: Logger
    ) async throws -> [ProjectionKey: RawJSON]

    /// A page of the served generation's entries in key order (UTF-8 bytes): keys after `after` that start with
    /// `prefix`, at most `limit`, ending before an entry that would take the values past `maxBytes` (at least one
    /// entry when one matches); with the generation and checkpoint the page reflects.
    /// - Throws: `EventStoreError.projectionNotFound` when the projection has no served generation.
    func entries(
        of projection: ProjectionName,
        after: ProjectionKey?,
        prefix: String,
        limit: Int,
        maxBytes: Int,
        logger: Logger
    ) async throws -> ProjectionEntriesPage

    /// One entry of the served generation (nil when absent), with the generation and checkpoint it reflects.
    /// - Throws: `EventStoreError.projectionNotFound` when the projection has no served generation.
    func entry(_ key: ProjectionKey, of projection: ProjectionName, logger: Logger) async throws -> ProjectionEntriesPage

    /// Serves `generation` in place of the served one, which is dropped.
    /// - Throws: `EventStoreError.generationFenced` when the generation does not exist.
    func swap(_ projection: ProjectionName, to generation: Int64, logger: Logger) async throws

    /// Drops one generation that is not served (an abandoned rebuild), or with nil every generation of the
    /// projection (it was removed). Dropping what is absent is not an error.
    func drop(_ projection: ProjectionName, generation: Int64?, logger: Logger) async throws

    /// Drops every generation of the projection that is not served: rebuilds that were interrupted. Called by a
    /// rebuilder holding the projection's lease.
    func dropUnserved(_ projection: ProjectionName, logger: Logger) async throws

    /// Takes, or renews, the lease on rebuilding a projection: `holder`'s until `now + duration`. A lease another
    /// holder took and that has not expired at `now` keeps it, so two rebuilders of one projection (the server's
    /// online rebuild, `eventstore-replay`) never run at once.
    /// - Returns: nil when the lease is `holder`'s now; else the holder that has it.
    func acquireLease(_ projection: ProjectionName, holder: String, now: Date, duration: Duration, logger: Logger) async throws -> String?

    /// Gives the lease up, if `holder` has it.
    func releaseLease(_ projection: ProjectionName, holder: String, logger: Logger) async throws

    /// Releases the store's resources; it is not used afterwards.
    func close(logger: Logger) async throws
}

/// A generation of a projection's read model, and the checkpoint it has applied up to: every event below it is
/// folded (or skipped by the projection's filter).
public struct ProjectionGeneration: Sendable, Hashable {
    public var generation: Int64
    public var checkpoint: Int64

    public init(generation: Int64, checkpoint: Int64) {
        self.generation = generation
        self.checkpoint = checkpoint
    }
}

/// One atomic write to a generation: the entries changed (nil removes) and the checkpoint moved from `from` to `to`.
public struct ProjectionBatch: Sendable {
    public var projection: ProjectionName
    public var generation: Int64
    public var from: Int64
    public var to: Int64
    public var changes: [ProjectionKey: RawJSON?]

    public init(projection: ProjectionName, generation: Int64, from: Int64, to: Int64, changes: [ProjectionKey: RawJSON?]) {
        self.projection = projection
        self.generation = generation
        self.from = from
        self.to = to
        self.changes = changes
    }
}

/// Entries read from the served generation, with the generation and checkpoint they reflect.
public struct ProjectionEntriesPage: Sendable, Hashable {
    public var entries: [ProjectionEntry]
    public var generation: ProjectionGeneration
    /// Whether the page ended at its byte budget, before its limit: more entries may follow.
    public var endedAtBudget: Bool

    public init(entries: [ProjectionEntry], generation: ProjectionGeneration, endedAtBudget: Bool = false) {
        self.entries = entries
        self.generation = generation
        self.endedAtBudget = endedAtBudget
    }
}
