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
    private struct Generation {
        var checkpoint: Int64 = 0
        var entries: [ProjectionKey: RawJSON] = [:]
        /// The keys in order, made when a page is read after the key set changed.
        var sortedKeys: [ProjectionKey]?
    }

    private struct Projection {
        var served: Int64
        var lastGeneration: Int64
        var generations: [Int64: Generation]
    }

    private let projections = Mutex<[ProjectionName: Projection]>([:])
    private let leases = Mutex<[ProjectionName: (holder: String, expires: Date)]>([:])

    public init() {}

    public func served(_ projection: ProjectionName, logger: Logger) async throws -> ProjectionGeneration? {
        self.projections.withLock { projections in
            guard let stored = projections[projection], let generation = stored.generations[stored.served] else { return nil }
            return ProjectionGeneration(generation: stored.served, checkpoint: generation.checkpoint)
        }
    }

    public func createGeneration(of projection: ProjectionName, logger: Logger) async throws -> ProjectionGeneration {
        self.projections.withLock { projections in
            guard var stored = projections[projection] else {
                projections[projection] = Projection(served: 1, lastGeneration: 1, generations: [1: Generation()])
                return ProjectionGeneration(generation: 1, checkpoint: 0)
            }
            stored.lastGeneration += 1
            stored.generations[stored.lastGeneration] = Generation()
            projections[projection] = stored
            return ProjectionGeneration(generation: stored.lastGeneration, checkpoint: 0)
        }
    }

    public func apply(_ batch: ProjectionBatch, logger: Logger) async throws {
        try self.projections.withLock { projections throws(EventStoreError) in
            guard var generation = projections[batch.projection]?.generations[batch.generation], generation.checkpoint == batch.from else {
                throw EventStoreError(.generationFenced, "generation \(batch.generation) of projection '\(batch.projection)' is not at \(batch.from)")
            }
            for (key, value) in batch.changes {
                if let value {
                    if generation.entries.updateValue(value, forKey: key) == nil { generation.sortedKeys = nil }
                } else if generation.entries.removeValue(forKey: key) != nil {
                    generation.sortedKeys = nil
                }
            }
            generation.checkpoint = batch.to
            projections[batch.projection]?.generations[batch.generation] = generation
        }
    }

    public func values(
        of keys: Set<ProjectionKey>,
        in projection: ProjectionName,
        generation: Int64,
        logger: Logger
    ) async throws -> [ProjectionKey: RawJSON] {
        self.projections.withLock { projections in
            guard let entries = projections[projection]?.generations[generation]?.entries else { return [:] }
            var values: [ProjectionKey: RawJSON] = [:]
            for key in keys {
                if let value = entries[key] { values[key] = value }
            }
            return values
        }
    }

    public func entries(
        of projection: ProjectionName,
        after: ProjectionKey?,
        prefix: String,
        limit: Int,
        logger: Logger
    ) async throws -> ProjectionEntriesPage {
        try self.projections.withLock { projections throws(EventStoreError) in
            guard let stored = projections[projection], var generation = stored.generations[stored.served] else {
                throw EventStoreError(.projectionNotFound, "projection '\(projection)' has no read model yet")
            }
            let keys = generation.sortedKeys ?? generation.entries.keys.sorted()
            if generation.sortedKeys == nil {
                generation.sortedKeys = keys
                projections[projection]?.generations[stored.served] = generation
            }
            // The first key past `after` that is not below the prefix.
            let prefixKey = ProjectionKey(prefix)
            var index = Self.firstIndex(in: keys) { !($0 < prefixKey) }
            if let after { index = max(index, Self.firstIndex(in: keys) { after < $0 }) }
            var entries: [ProjectionEntry] = []
            while index < keys.count, entries.count < limit, keys[index].hasPrefix(prefix) {
                entries.append(ProjectionEntry(key: keys[index], value: generation.entries[keys[index]] ?? .null))
                index += 1
            }
            return ProjectionEntriesPage(entries: entries, generation: ProjectionGeneration(generation: stored.served, checkpoint: generation.checkpoint))
        }
    }

    public func entry(_ key: ProjectionKey, of projection: ProjectionName, logger: Logger) async throws -> ProjectionEntriesPage {
        try self.projections.withLock { projections throws(EventStoreError) in
            guard let stored = projections[projection], let generation = stored.generations[stored.served] else {
                throw EventStoreError(.projectionNotFound, "projection '\(projection)' has no read model yet")
            }
            let entries = generation.entries[key].map { [ProjectionEntry(key: key, value: $0)] } ?? []
            return ProjectionEntriesPage(entries: entries, generation: ProjectionGeneration(generation: stored.served, checkpoint: generation.checkpoint))
        }
    }

    public func swap(_ projection: ProjectionName, to generation: Int64, logger: Logger) async throws {
        try self.projections.withLock { projections throws(EventStoreError) in
            guard var stored = projections[projection], stored.generations[generation] != nil else {
                throw EventStoreError(.generationFenced, "generation \(generation) of projection '\(projection)' does not exist")
            }
            if stored.served != generation { stored.generations.removeValue(forKey: stored.served) }
            stored.served = generation
            projections[projection] = stored
        }
    }

    public func drop(_ projection: ProjectionName, generation: Int64?, logger: Logger) async throws {
        self.projections.withLock { projections in
            guard let generation else {
                projections.removeValue(forKey: projection)
                return
            }
            guard projections[projection]?.served != generation else { return }
            projections[projection]?.generations.removeValue(forKey: generation)
        }
    }

    public func dropUnserved(_ projection: ProjectionName, logger: Logger) async throws {
        self.projections.withLock { projections in
            guard var stored = projections[projection] else { return }
            stored.generations = stored.generations.filter { $0.key == stored.served }
            projections[projection] = stored
        }
    }

    public func acquireLease(_ projection: ProjectionName, holder: String, now: Date, duration: Duration, logger: Logger) async throws -> String? {
        self.leases.withLock { leases in
            if let lease = leases[projection], lease.holder != holder, lease.expires > now { return lease.holder }
            leases[projection] = (holder, now.addingTimeInterval(Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18))
            return nil
        }
    }

    public func releaseLease(_ projection: ProjectionName, holder: String, logger: Logger) async throws {
        self.leases.withLock { leases in
            if leases[projection]?.holder == holder { leases.removeValue(forKey: projection) }
        }
    }

    public func close(logger: Logger) async throws {}

    /// The first index of sorted `keys` at which `isPast` holds (it holds for every later index too).
    private static func firstIndex(in keys: [ProjectionKey], where isPast: (ProjectionKey) -> Bool) -> Int {
        var low = 0
        var high = keys.count
        while low < high {
            let middle = (low + high) / 2
            if isPast(keys[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
