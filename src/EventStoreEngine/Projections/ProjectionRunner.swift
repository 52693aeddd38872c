import EventStoreCore
import Logging
import Synchronization

/// One projection of one attached topic: the live worker that folds events as they arrive, an online rebuild when
/// asked, and the state the query side reports.
///
/// The live worker starts at the served generation's checkpoint, reads a page of the events the fold needs (the
/// ``TopicFollower``), folds it, and has the store apply the changes with the new checkpoint in one atomic write;
/// caught up, it waits for an append. A rebuild folds into a new generation from offset 0 beside it; once caught
/// up it takes the write lock (so the live worker pauses between batches), folds what is left, and swaps its
/// generation in. Reading the log never holds up publishing: the worker reads like any client.
final class ProjectionRunner: Sendable {
    let definition: ProjectionDefinition
    let fold: any ProjectionKind
    let topic: AttachedTopic
    let store: any ProjectionStore
    private let reader: any EventQueries
    private let registry: TopicRegistry
    /// Advances with the checkpoint: read-your-writes waits on it.
    let checkpointWatch = HeadWatch(head: 0)
    private let metrics: ProjectionMetrics
    private let writing = AsyncLock()
    private let state = Mutex(RunnerState())
    private let tasks = Mutex(RunnerTasks())
    private let batchSize: Int
    /// Who this process is, in rebuild leases.
    private let leaseHolder: String
    private let logger: Logger

    /// How long a caught-up worker waits for an append before it looks at the store again (a generation swapped in
    /// by `eventstore-replay` is noticed within this).
    static let idleCheck = Duration.seconds(1)

    private struct RunnerState {
        /// Nil until the served generation was loaded (or created).
        var served: ProjectionGeneration?
        var failure: (offset: Int64, reason: String)?
        var lastError: String?
        var rebuild: ProjectionInfo.Rebuild?
    }

    private struct RunnerTasks {
        var live: Task<Void, Never>?
        var rebuild: Task<Void, Never>?
        var stopped = false
    }

    init(
        definition: ProjectionDefinition,
        fold: any ProjectionKind,
        topic: AttachedTopic,
        store: any ProjectionStore,
        reader: any EventQueries,
        registry: TopicRegistry,
        batchSize: Int,
        leaseHolder: String,
        logger: Logger
    ) {
        self.leaseHolder = leaseHolder
        self.definition = definition
        self.fold = fold
        self.topic = topic
        self.store = store
        self.reader = reader
        self.registry = registry
        self.batchSize = batchSize
        self.metrics = ProjectionMetrics(topic: topic.name, projection: definition.name)
        var logger = logger
        logger[metadataKey: "topic"] = "\(topic.name)"
        logger[metadataKey: "projection"] = "\(definition.name)"
        self.logger = logger
    }

    var name: ProjectionName { self.definition.name }

    /// Starts the live worker.
    func start() {
        self.tasks.withLock { tasks in
            guard !tasks.stopped, tasks.live == nil else { return }
            tasks.live = self.liveTask()
        }
    }

    /// Stops the worker and any rebuild, and waits for them (a rebuild's partial generation is dropped).
    func stop() async {
        let running = self.tasks.withLock { tasks -> [Task<Void, Never>] in
            tasks.stopped = true
            return [tasks.live, tasks.rebuild].compactMap { $0 }
        }
        for task in running { task.cancel() }
        for task in running { await task.value }
        self.checkpointWatch.close()
        self.metrics.destroy()
    }

    /// The projection as the query side reports it, at `served` (the generation the caller's data reflects) or the
    /// worker's own.
    func info(at served: ProjectionGeneration? = nil) -> ProjectionInfo {
        let state = self.state.withLock { $0 }
        let generation = served ?? state.served ?? ProjectionGeneration(generation: 0, checkpoint: 0)
        let status: ProjectionInfo.State = state.failure != nil ? .failed : state.rebuild != nil ? .rebuilding : .running
        return ProjectionInfo(
            definition: self.definition,
            state: status,
            checkpoint: generation.checkpoint,
            lag: max(0, self.topic.headWatch.head - generation.checkpoint),
            generation: generation.generation,
            lastError: state.failure?.reason ?? state.lastError,
            failedOffset: state.failure?.offset,
            rebuild: state.rebuild
        )
    }

    /// The worker's checkpoint now.
    var checkpoint: Int64 { self.state.withLock { $0.served?.checkpoint ?? 0 } }

    // MARK: The live worker

    /// The live worker's task; it clears its slot when it ends (a failed fold, a deleted topic), so a rebuild can
    /// start another.
    private func liveTask() -> Task<Void, Never> {
        Task {
            await self.runLive()
            self.tasks.withLock { $0.live = nil }
        }
    }

    private func runLive() async {
        var generator = SystemRandomNumberGenerator()
        var failures = 0
        let follower = TopicFollower(topic: self.topic, reader: self.reader, registry: self.registry, filter: self.fold.filter, batchSize: self.batchSize)
        while !Task.isCancelled {
            do {
                if self.state.withLock({ $0.served == nil }) {
                    try await self.loadServed()
                }
                let step = try await self.writing.withLock { try await self.liveStep(follower) }
                failures = 0
                switch step {
                case .gone, .failed:
                    return
                case .applied:
                    continue
                case .caughtUp(let examined):
                    if await !follower.watch.wait(forHeadBeyond: examined, until: .now + Self.idleCheck) {
                        try await self.noticeExternalSwap()
                    }
                }
            } catch let error as EventStoreError where error.code == .generationFenced {
                // Another writer swapped a generation in (eventstore-replay): go on from what is served.
                self.logger.info("Projection generation replaced; reloading", metadata: ["reason": "\(error.message)"])
                self.state.withLock { $0.served = nil }
            } catch {
                if Task.isCancelled { return }
                failures += 1
                let reason = (error as? EventStoreError)?.message ?? "the projection store failed"
                self.state.withLock { $0.lastError = reason }
                self.logger.warning("Projection cannot advance; retrying", metadata: ["error": "\(String(reflecting: error))"])
                try? await Task.sleep(for: Backoff(base: .milliseconds(100), cap: .seconds(10)).delay(afterFailures: failures, using: &generator))
            }
        }
    }

    private enum LiveStep {
        case applied
        case caughtUp(examined: Int64)
        case failed
        case gone
    }

    /// Reads and applies one page at the served generation's checkpoint (the write lock held).
    private func liveStep(_ follower: TopicFollower) async throws -> LiveStep {
        guard let served = self.state.withLock({ $0.served }) else { return .applied }
        switch try await follower.next(from: served.checkpoint, waitingUpTo: .zero, logger: self.logger) {
        case .gone:
            return .gone
        case .caughtUp(let examined, let head):
            if examined > served.checkpoint {
                try await self.store.apply(
                    ProjectionBatch(projection: self.name, generation: served.generation, from: served.checkpoint, to: examined, changes: [:]),
                    logger: self.logger
                )
                self.advance(to: ProjectionGeneration(generation: served.generation, checkpoint: examined))
            }
            self.metrics.recordLag(head - max(examined, served.checkpoint))
            return .caughtUp(examined: max(examined, served.checkpoint))
        case .events(let page):
            let outcome = try await self.apply(page, to: served)
            self.advance(to: ProjectionGeneration(generation: served.generation, checkpoint: outcome.checkpoint))
            self.metrics.recordLag(page.head - outcome.checkpoint)
            if let failure = outcome.failure {
                self.state.withLock { $0.failure = failure }
                self.logger.error("Projection failed", metadata: ["offset": "\(failure.offset)", "reason": "\(failure.reason)"])
                return .failed
            }
            return .applied
        }
    }

    private func advance(to served: ProjectionGeneration) {
        self.state.withLock { state in
            state.served = served
            state.lastError = nil
        }
        self.checkpointWatch.advance(to: served.checkpoint)
    }

    /// Loads the served generation, creating the first one. Another process sharing the store may create it at
    /// the same moment: then the one the store serves is used, and this one's is dropped.
    private func loadServed() async throws {
        var served: ProjectionGeneration
        if let stored = try await self.store.served(self.name, logger: self.logger) {
            served = stored
        } else {
            served = try await self.store.createGeneration(of: self.name, logger: self.logger)
            if let winner = try await self.store.served(self.name, logger: self.logger), winner.generation != served.generation {
                try await self.store.drop(self.name, generation: served.generation, logger: self.logger)
                served = winner
            }
        }
        self.state.withLock { $0.served = served }
        self.checkpointWatch.advance(to: served.checkpoint)
    }

    /// Whether another process swapped a generation in while the worker was idle: then it goes on from there.
    private func noticeExternalSwap() async throws {
        guard let stored = try await self.store.served(self.name, logger: self.logger) else { return }
        let replaced = self.state.withLock { state -> Bool in
            guard let served = state.served, served.generation != stored.generation else { return false }
            state.served = stored
            state.failure = nil
            return true
        }
        if replaced {
            self.checkpointWatch.advance(to: stored.checkpoint)
            self.logger.info("Projection generation swapped in by another process", metadata: ["generation": "\(stored.generation)"])
        }
    }

    /// What folding a page into a generation came to.
    private struct Outcome {
        /// The generation's checkpoint after the write.
        var checkpoint: Int64
        /// The event the fold failed at, and why; the events before it were applied.
        var failure: (offset: Int64, reason: String)?
    }

    /// Folds a page into `generation` (fetching the entries it reads first) and applies the changes with the new
    /// checkpoint: the page's end, or the offset of the event a fold failed at.
    private func apply(_ page: EventPage, to generation: ProjectionGeneration) async throws -> Outcome {
        let started = ContinuousClock.now
        var keys: Set<ProjectionKey> = []
        for event in page.events {
            keys.formUnion(self.fold.keysRead(by: event))
        }
        let fetched =
            keys.isEmpty
            ? [:] : try await self.store.values(of: keys, in: self.name, generation: generation.generation, logger: self.logger)
        var model = ProjectionModel(fetched: fetched)
        var outcome = Outcome(checkpoint: page.nextOffset)
        var folded = 0
        for event in page.events {
            do {
                try self.fold.fold(event, into: &model)
                folded += 1
            } catch {
                outcome = Outcome(checkpoint: event.offset, failure: (event.offset, "the fold failed at offset \(event.offset): \(error)"))
                break
            }
        }
        if outcome.checkpoint > generation.checkpoint {
            try await self.store.apply(
                ProjectionBatch(
                    projection: self.name,
                    generation: generation.generation,
                    from: generation.checkpoint,
                    to: outcome.checkpoint,
                    changes: model.changes
                ),
                logger: self.logger
            )
        }
        self.metrics.recordBatch(events: folded, duration: ContinuousClock.now - started)
        return outcome
    }

    // MARK: Rebuild

    /// Starts an online rebuild into a new generation.
    /// - Throws: `projectionConflict` when one is running.
    func rebuild() throws(EventStoreError) {
        try self.tasks.withLock { tasks throws(EventStoreError) in
            guard !tasks.stopped else { throw EventStoreError(.projectionNotFound, "projection '\(self.name)' was removed") }
            guard tasks.rebuild == nil else {
                throw EventStoreError(.projectionConflict, "projection '\(self.name)' is already being rebuilt")
            }
            self.state.withLock { $0.rebuild = ProjectionInfo.Rebuild(generation: 0, checkpoint: 0) }
            tasks.rebuild = Task { await self.runRebuild() }
        }
    }

    private func runRebuild() async {
        var building: GenerationBuilder?
        var leased = false
        do {
            let lease = RebuildLease(store: self.store, projection: self.name, holder: self.leaseHolder, logger: self.logger)
            try await lease.acquire()
            leased = true
            // A rebuild interrupted before (this process's or eventstore-replay's) left a generation: drop it.
            try await self.store.dropUnserved(self.name, logger: self.logger)
            let created = try await self.store.createGeneration(of: self.name, logger: self.logger)
            self.state.withLock { $0.rebuild = ProjectionInfo.Rebuild(generation: created.generation, checkpoint: 0) }
            self.logger.info("Projection rebuild started", metadata: ["generation": "\(created.generation)"])
            let follower = TopicFollower(topic: self.topic, reader: self.reader, registry: self.registry, filter: self.fold.filter, batchSize: self.batchSize)
            building = GenerationBuilder(fold: self.fold, store: self.store, name: self.name, generation: created, logger: self.logger)
            // Catch up without the lock, then take it (the live worker pauses), fold what is left and swap.
            try await building?.foldUntilCaughtUp(follower) { position, _ in
                self.state.withLock { $0.rebuild?.checkpoint = position }
                try await lease.renewIfDue()
            }
            try await lease.renew()
            try await self.writing.withLock {
                try await building?.foldUntilCaughtUp(follower)
                guard let rebuilt = building?.generation else { return }
                try await self.store.swap(self.name, to: rebuilt.generation, logger: self.logger)
                self.state.withLock { state in
                    state.served = rebuilt
                    state.failure = nil
                    state.lastError = nil
                    state.rebuild = nil
                }
                self.checkpointWatch.advance(to: rebuilt.checkpoint)
            }
            building = nil
            try? await lease.release()
            self.logger.info("Projection rebuilt", metadata: ["generation": "\(created.generation)"])
            self.tasks.withLock { tasks in
                tasks.rebuild = nil
                // A failed worker has ended: the rebuilt generation gets a new one.
                if !tasks.stopped, tasks.live == nil {
                    tasks.live = self.liveTask()
                }
            }
        } catch {
            let reason = (error as? EventStoreError)?.message ?? "\(error)"
            if let building {
                try? await self.store.drop(self.name, generation: building.generation.generation, logger: self.logger)
            }
            if leased { try? await self.store.releaseLease(self.name, holder: self.leaseHolder, logger: self.logger) }
            self.state.withLock { state in
                state.rebuild = nil
                if !Task.isCancelled { state.lastError = "rebuild failed: \(reason)" }
            }
            if !Task.isCancelled { self.logger.error("Projection rebuild failed", metadata: ["reason": "\(reason)"]) }
            self.tasks.withLock { $0.rebuild = nil }
        }
    }
}
