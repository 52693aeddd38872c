public import EventStoreCore
public import Logging
import Synchronization

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Projection read models in memory: for memory topics, and for topics whose adapter keeps no store of its own
/// (rebuilt from the log at each start). Every call holds one lock, so each batch is atomic.
public final class MemoryProjectionStore: ProjectionStore {
    private struct Projection {
        var served: Int64
        var generations: [Int64: ProjectionEntryTable]
    }

    private struct Stored {
        var projections: [ProjectionName: Projection] = [:]
        /// The last generation number given out per projection: kept across drops, so numbers are never reused.
        var lastGeneration: [ProjectionName: Int64] = [:]
        var fingerprints: [ProjectionName: String] = [:]
    }

    private let stored = Mutex(Stored())
    private let leases = Mutex<[ProjectionName: (holder: String, expires: Date)]>([:])

    public init() {}

    public func adopt(_ projection: ProjectionName, fingerprint: String, logger: Logger) async throws {
        self.stored.withLock { stored in
            if let known = stored.fingerprints[projection], known != fingerprint {
                stored.projections.removeValue(forKey: projection)
            }
            stored.fingerprints[projection] = fingerprint
        }
    }

    public func served(_ projection: ProjectionName, logger: Logger) async throws -> ProjectionGeneration? {
        self.stored.withLock { stored in
            guard let model = stored.projections[projection], let generation = model.generations[model.served] else { return nil }
            return ProjectionGeneration(generation: model.served, checkpoint: generation.checkpoint)
        }
    }

    public func createGeneration(of projection: ProjectionName, logger: Logger) async throws -> ProjectionGeneration {
        self.stored.withLock { stored in
            let number = (stored.lastGeneration[projection] ?? 0) + 1
            stored.lastGeneration[projection] = number
            if stored.projections[projection] == nil {
                stored.projections[projection] = Projection(served: number, generations: [number: ProjectionEntryTable()])
            } else {
                stored.projections[projection]?.generations[number] = ProjectionEntryTable()
            }
            return ProjectionGeneration(generation: number, checkpoint: 0)
        }
    }

    public func apply(_ batch: ProjectionBatch, logger: Logger) async throws {
        try self.stored.withLock { stored throws(EventStoreError) in
            guard stored.projections[batch.projection]?.generations[batch.generation]?.checkpoint == batch.from else {
                throw EventStoreError(.generationFenced, "generation \(batch.generation) of projection '\(batch.projection)' is not at \(batch.from)")
            }
            // Changed in place: the cost follows the batch, not the model.
            stored.projections[batch.projection]?.generations[batch.generation]?.apply(batch.changes, checkpoint: batch.to)
        }
    }

    public func values(
        of keys: Set<ProjectionKey>,
        in projection: ProjectionName,
        generation: Int64,
        logger: Logger
    ) async throws -> [ProjectionKey: RawJSON] {
        self.stored.withLock { stored in
            stored.projections[projection]?.generations[generation]?.values(of: keys) ?? [:]
        }
    }

    public func entries(
        of projection: ProjectionName,
        after: ProjectionKey?,
        prefix: String,
        limit: Int,
        maxBytes: Int,
        logger: Logger
    ) async throws -> ProjectionEntriesPage {
        try self.stored.withLock { stored throws(EventStoreError) in
            guard let served = stored.projections[projection]?.served,
                let page = stored.projections[projection]?.generations[served]?.page(after: after, prefix: prefix, limit: limit, maxBytes: maxBytes),
                let checkpoint = stored.projections[projection]?.generations[served]?.checkpoint
            else {
                throw EventStoreError(.projectionNotFound, "projection '\(projection)' has no read model yet")
            }
            return ProjectionEntriesPage(
                entries: page.entries,
                generation: ProjectionGeneration(generation: served, checkpoint: checkpoint),
                endedAtBudget: page.endedAtBudget
            )
        }
    }

    public func entry(_ key: ProjectionKey, of projection: ProjectionName, logger: Logger) async throws -> ProjectionEntriesPage {
        try self.stored.withLock { stored throws(EventStoreError) in
            guard let model = stored.projections[projection], let generation = model.generations[model.served] else {
                throw EventStoreError(.projectionNotFound, "projection '\(projection)' has no read model yet")
            }
            let entries = generation.entries[key].map { [ProjectionEntry(key: key, value: $0)] } ?? []
            return ProjectionEntriesPage(entries: entries, generation: ProjectionGeneration(generation: model.served, checkpoint: generation.checkpoint))
        }
    }

    public func swap(_ projection: ProjectionName, to generation: Int64, logger: Logger) async throws {
        try self.stored.withLock { stored throws(EventStoreError) in
            guard let served = stored.projections[projection]?.served, stored.projections[projection]?.generations[generation] != nil else {
                throw EventStoreError(.generationFenced, "generation \(generation) of projection '\(projection)' does not exist")
            }
            if served != generation { stored.projections[projection]?.generations.removeValue(forKey: served) }
            stored.projections[projection]?.served = generation
        }
    }

    public func drop(_ projection: ProjectionName, generation: Int64?, logger: Logger) async throws {
        self.stored.withLock { stored in
            guard let generation else {
                stored.projections.removeValue(forKey: projection)
                stored.fingerprints.removeValue(forKey: projection)
                return
            }
            guard stored.projections[projection]?.served != generation else { return }
            stored.projections[projection]?.generations.removeValue(forKey: generation)
        }
    }

    public func dropUnserved(_ projection: ProjectionName, logger: Logger) async throws {
        self.stored.withLock { stored in
            guard let model = stored.projections[projection] else { return }
            let kept = model.generations.filter { $0.key == model.served }
            stored.projections[projection]?.generations = kept
        }
    }

    public func acquireLease(_ projection: ProjectionName, holder: String, now: Date, duration: Duration, logger: Logger) async throws -> String? {
        self.leases.withLock { leases in
            if let lease = leases[projection], lease.holder != holder, lease.expires > now { return lease.holder }
            leases[projection] = (holder, now.addingTimeInterval(duration.inSeconds))
            return nil
        }
    }

    public func releaseLease(_ projection: ProjectionName, holder: String, logger: Logger) async throws {
        self.leases.withLock { leases in
            if leases[projection]?.holder == holder { leases.removeValue(forKey: projection) }
        }
    }

    public func close(logger: Logger) async throws {}
}
