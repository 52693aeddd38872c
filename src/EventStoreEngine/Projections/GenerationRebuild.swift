import EventStoreCore
import Logging

/// One rebuild of a projection into a new generation, under the projection's lease: begun (what an interrupted
/// rebuild left is dropped, a generation created), folded, swapped in, or abandoned (its generation dropped, the
/// lease given up). Shared by the online rebuild and `eventstore-replay`.
struct GenerationRebuild {
    let store: any ProjectionStore
    let name: ProjectionName
    let fold: any ProjectionKind
    let lease: RebuildLease
    let bytesPerWrite: Int
    let logger: Logger
    private var builder: GenerationBuilder?

    /// - Parameters:
    ///   - lease: taken already.
    ///   - bytesPerWrite: the changes (in bytes) held in memory before they are written.
    init(
        store: any ProjectionStore,
        name: ProjectionName,
        fold: any ProjectionKind,
        lease: RebuildLease,
        bytesPerWrite: Int = ProjectionService.defaultRebuildBytesPerWrite,
        logger: Logger
    ) {
        self.store = store
        self.name = name
        self.fold = fold
        self.lease = lease
        self.bytesPerWrite = bytesPerWrite
        self.logger = logger
    }

    /// Drops what an interrupted rebuild left (and a model of another definition), and creates the new generation.
    mutating func begin(fingerprint: String) async throws -> ProjectionGeneration {
        try await self.store.adopt(self.name, fingerprint: fingerprint, logger: self.logger)
        try await self.store.dropUnserved(self.name, logger: self.logger)
        let created = try await self.store.createGeneration(of: self.name, logger: self.logger)
        self.builder = GenerationBuilder(
            fold: self.fold,
            store: self.store,
            name: self.name,
            generation: created,
            bytesPerWrite: self.bytesPerWrite,
            logger: self.logger
        )
        return created
    }

    /// Folds up to `target` (or the head), renewing the lease as it goes.
    mutating func fold(_ follower: TopicFollower, until target: Int64? = nil, progress: (Int64) -> Void = { _ in }) async throws {
        guard var builder = self.builder else { return }
        defer { self.builder = builder }
        try await builder.fold(follower, until: target) { position, _ in
            progress(position)
            try await self.lease.renewIfDue()
        }
    }

    /// Swaps the new generation in and gives the lease up.
    /// - Returns: the generation now served.
    mutating func swap() async throws -> ProjectionGeneration {
        guard let rebuilt = self.builder?.generation else { throw CancellationError() }
        try await self.lease.renew()
        try await self.store.swap(self.name, to: rebuilt.generation, logger: self.logger)
        self.builder = nil
        try? await self.lease.release()
        return rebuilt
    }

    /// Drops the generation being built (if any) and gives the lease up.
    mutating func abandon() async {
        if let building = self.builder?.generation {
            try? await self.store.drop(self.name, generation: building.generation, logger: self.logger)
        }
        self.builder = nil
        try? await self.lease.release()
    }
}
