import AsyncLocking
import EventStoreCore
import Logging
import Synchronization

/// One projection of one attached topic: the live worker that folds events as they arrive, an online rebuild when
/// asked, and the state the query side reports.
///
/// The live worker starts at the served generation's checkpoint, reads a page of the events the fold needs (the
/// ``TopicFollower``), folds it, and has the store apply the changes with the new checkpoint in one atomic write;
/// caught up, it waits for an append. Unless it is behind by more than a page, it starts a read no sooner than a
/// ``linger`` after the one before, so a busy topic's appends are folded in batches (one write per projection per
/// linger) while a quiet topic's first append is folded at once. A
/// rebuild folds into a new generation from offset 0 beside it; once caught up it takes the write lock (so the live
/// worker pauses between batches), folds up to the live checkpoint, and swaps its generation in. Reading the log
/// never holds up publishing: the worker reads like any client.
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
    private let rebuildBytesPerWrite: Int
    /// Who this process is, in rebuild leases.
    private let leaseHolder: String
    private let logger: Logger

    /// How long a caught-up (or failed) worker waits before it looks at the store again: a generation swapped in by
    /// `eventstore-replay` is noticed within this, or at the worker's next write (which is fenced).
    static let idleCheck = Duration.seconds(1)
    /// The least time between the starts of two reads of a worker that is not behind by more than a page: appends
    /// arriving within it share one read, one fold and one write.
    static let linger = Duration.milliseconds(25)

    private struct RunnerState {
        /// Nil until the served generation was loaded (or created).
        var served: ProjectionGeneration?
        var failure: (offset: Int64, reason: String)?
        var lastError: String?
        var rebuild: ProjectionInfo.Rebuild?
        var rebuildError: String?
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
        rebuildBytesPerWrite: Int,
        leaseHolder: String,
        logger: Logger
    ) {
        self.definition = definition
        self.fold = fold
        self.topic = topic
        self.store = store
        self.reader = reader
        self.registry = registry
        self.batchSize = batchSize
        self.rebuildBytesPerWrite = rebuildBytesPerWrite
        self.leaseHolder = leaseHolder
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
            tasks.live = Task { await self.runLive() }
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
            rebuild: state.rebuild,
            rebuildError: state.rebuildError
        )
    }

    /// The worker's checkpoint now.
    var checkpoint: Int64 { self.state.withLock { $0.served?.checkpoint ?? 0 } }

    // MARK: The live worker

    private func runLive() async {
        var generator = SystemRandomNumberGenerator()
        var failures = 0
        let follower = TopicFollower(topic: self.topic, reader: self.reader, registry: self.registry, filter: self.fold.filter, batchSize: self.batchSize)
        // The earliest the next read may start.
        var nextRead = ContinuousClock.now
        while !Task.isCancelled {
            do {
                if self.state.withLock({ $0.served == nil }) {
                    try await self.loadServed()
                }
                if self.state.withLock({ $0.failure != nil }) {
                    // A failed fold waits for a rebuilt generation (here or by eventstore-replay).
                    try await Task.sleep(for: Self.idleCheck)
                    try await self.writing.withLock { try await self.noticeExternalSwap() }
                    continue
                }
                if nextRead > .now { try await Task.sleep(until: nextRead) }
                let readAt = ContinuousClock.now
                let step = try await self.writing.withLock { try await self.liveStep(follower) }
                failures = 0
                switch step {
                case .gone:
                    return
                case .applied(let reachedHead):
                    nextRead = reachedHead ? readAt + Self.linger : .now
                case .failed:
                    nextRead = .now
                case .caughtUp(let examined):
                    nextRead = readAt + Self.linger
                    if await !follower.watch.wait(forHeadBeyond: examined, until: .now + Self.idleCheck) {
                        try await self.writing.withLock { try await self.noticeExternalSwap() }
                    }
                }
            } catch let error as EventStoreError where error.code == .generationFenced {
                // Another writer swapped a generation in (eventstore-replay): go on from what is served.
                self.logger.info("Projection generation replaced; reloading", metadata: ["reason": "\(error.message)"])
                self.state.withLock { $0.served = nil }
            } catch let error as EventStoreError where error.code == .invalidArgument || error.code == .limitExceeded {
                // The topic refuses the worker's reads: retrying cannot help.
                self.state.withLock { $0.failure = ($0.served?.checkpoint ?? 0, error.message) }
                self.logger.error("Projection failed", metadata: ["reason": "\(error.message)"])
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
        /// A page was applied (or passed, when the filter skipped all of it); `reachedHead`: it ended at the head as
        /// the read found it.
        case applied(reachedHead: Bool)
        /// Caught up: everything below `examined` is applied or passed.
        case caughtUp(examined: Int64)
        case failed
        case gone
    }

    /// Reads and applies one page at the served generation's checkpoint (the write lock held).
    private func liveStep(_ follower: TopicFollower) async throws -> LiveStep {
        guard let served = self.state.withLock({ $0.served }) else { return .applied(reachedHead: false) }
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
            if examined > served.checkpoint, examined < head {
                // A filtered read passed events it skips and stopped at its scan bound before the head: read on.
                return .applied(reachedHead: false)
            }
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
            return .applied(reachedHead: page.nextOffset >= page.head)
        }
    }

    private func advance(to served: ProjectionGeneration) {
        self.state.withLock { state in
            state.served = served
            state.lastError = nil
        }
        self.checkpointWatch.advance(to: served.checkpoint)
    }

    /// Loads the served generation, creating the first one. A model made by another definition of this name is
    /// dropped first. Another process sharing the store may create the first generation at the same moment: then the
    /// one the store serves is used, and this one's is dropped.
    private func loadServed() async throws {
        try await self.store.adopt(self.name, fingerprint: self.definition.fingerprint, logger: self.logger)
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

    /// Whether another process swapped a generation in: then the worker goes on from there (a failed one too). Called
    /// with the write lock held.
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
    /// checkpoint: the page's end, or the offset of the event a fold failed at (whose changes are undone).
    private func apply(_ page: EventPage, to generation: ProjectionGeneration) async throws -> Outcome {
        let started = ContinuousClock.now
        let keys = FoldedEvents.keysRead(by: page.events, with: self.fold)
        let fetched =
            keys.isEmpty
            ? [:] : try await self.store.values(of: keys, in: self.name, generation: generation.generation, logger: self.logger)
        var model = ProjectionModel(fetched: fetched)
        let folded = FoldedEvents(page.events, with: self.fold, into: &model)
        let outcome = Outcome(checkpoint: folded.failure?.offset ?? page.nextOffset, failure: folded.failure)
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
        self.metrics.recordBatch(events: folded.folded, duration: ContinuousClock.now - started)
        return outcome
    }

    // MARK: Rebuild

    /// Takes the projection's rebuild lease and starts an online rebuild into a new generation.
    /// - Throws: `projectionConflict` when a rebuild runs here or another rebuilder holds the lease.
    func rebuild() async throws {
        try self.tasks.withLock { tasks throws(EventStoreError) in
            guard !tasks.stopped else { throw EventStoreError(.projectionNotFound, "projection '\(self.name)' was removed") }
            guard tasks.rebuild == nil else {
                throw EventStoreError(.projectionConflict, "projection '\(self.name)' is already being rebuilt")
            }
            tasks.rebuild = Task {}  // holds the slot while the lease is taken
        }
        let lease = RebuildLease(store: self.store, projection: self.name, holder: self.leaseHolder, logger: self.logger)
        do {
            try await lease.acquire()
        } catch {
            self.tasks.withLock { $0.rebuild = nil }
            throw error
        }
        self.state.withLock { state in
            state.rebuild = ProjectionInfo.Rebuild(generation: 0, checkpoint: 0)
            state.rebuildError = nil
        }
        let started = self.tasks.withLock { tasks in
            // Stopped while the lease was taken: no rebuild outlives its runner.
            guard !tasks.stopped else {
                tasks.rebuild = nil
                return false
            }
            tasks.rebuild = Task { await self.runRebuild(lease) }
            return true
        }
        if !started {
            try? await lease.release()
            throw EventStoreError(.projectionNotFound, "projection '\(self.name)' was removed")
        }
    }

    private func runRebuild(_ lease: RebuildLease) async {
        var rebuild = GenerationRebuild(
            store: self.store,
            name: self.name,
            fold: self.fold,
            lease: lease,
            bytesPerWrite: self.rebuildBytesPerWrite,
            logger: self.logger
        )
        do {
            let follower = TopicFollower(topic: self.topic, reader: self.reader, registry: self.registry, filter: self.fold.filter, batchSize: self.batchSize)
            let created = try await rebuild.begin(fingerprint: self.definition.fingerprint)
            self.state.withLock { $0.rebuild = ProjectionInfo.Rebuild(generation: created.generation, checkpoint: 0) }
            self.logger.info("Projection rebuild started", metadata: ["generation": "\(created.generation)"])
            // Catch up without the lock, then take it (the live worker pauses), fold up to the live checkpoint (so the
            // served checkpoint never goes back) and swap.
            try await rebuild.fold(follower) { position in self.state.withLock { $0.rebuild?.checkpoint = position } }
            let rebuilt = try await self.writing.withLock {
                let live = self.state.withLock { $0.served?.checkpoint ?? 0 }
                try await rebuild.fold(follower, until: live) { position in self.state.withLock { $0.rebuild?.checkpoint = position } }
                let rebuilt = try await rebuild.swap()
                self.state.withLock { state in
                    state.served = rebuilt
                    state.failure = nil
                    state.lastError = nil
                    state.rebuild = nil
                }
                self.checkpointWatch.advance(to: rebuilt.checkpoint)
                return rebuilt
            }
            self.logger.info("Projection rebuilt", metadata: ["generation": "\(rebuilt.generation)", "checkpoint": "\(rebuilt.checkpoint)"])
        } catch {
            await rebuild.abandon()
            let reason = (error as? EventStoreError)?.message ?? "\(error)"
            self.state.withLock { state in
                state.rebuild = nil
                if !Task.isCancelled { state.rebuildError = reason }
            }
            if !Task.isCancelled { self.logger.error("Projection rebuild failed", metadata: ["reason": "\(reason)"]) }
        }
        self.tasks.withLock { $0.rebuild = nil }
    }
}
