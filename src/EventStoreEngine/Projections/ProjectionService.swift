public import EventStoreCore
import ServiceLifecycle
public import Logging
import Synchronization

/// Keeps the projections of the attached topics: one ``ProjectionRunner`` per (topic, projection), started when the
/// topic is attached (before the HTTP listener opens), stopped before its log closes; and answers projection
/// queries.
///
/// Declarations are the ``TopicService``'s business (they live in the catalog); it tells this service what to run.
public final class ProjectionService: ProjectionQueries, Sendable {
    private struct TopicProjections {
        var store: any ProjectionStore
        var runners: [ProjectionName: ProjectionRunner]
    }

    public let kinds: ProjectionKinds
    private let registry: TopicRegistry
    /// The live workers' reads, shared among the projections of a topic.
    private let reader: SharedPages
    /// The changes (in bytes) a rebuild holds in memory before it writes them, unless told.
    public static let defaultRebuildBytesPerWrite = 64 << 20
    private let batchSize: Int
    private let rebuildBytesPerWrite: Int
    private let maxPageBytes: Int
    private let maxWait: Duration
    private let leaseHolder: String
    private let topics = Mutex<[TopicName: TopicProjections]>([:])
    private let logger: Logger

    /// - Parameters:
    ///   - kinds: the projection kinds offered.
    ///   - reader: how workers read the topics' events.
    ///   - batchSize: the most events a live worker reads (and folds into one write) at once; at most the read limit.
    ///   - rebuildBytesPerWrite: the changes (in bytes) an online rebuild holds in memory before it writes them.
    ///   - maxPageBytes: the byte budget of a page of entries.
    ///   - maxWait: the longest a query may wait for a checkpoint.
    ///   - leaseHolder: who this process is in rebuild leases (`eventstore-api pid 42 on host`).
    public init(
        kinds: ProjectionKinds = .builtIn,
        registry: TopicRegistry,
        reader: any EventQueries,
        batchSize: Int = 1000,
        rebuildBytesPerWrite: Int = ProjectionService.defaultRebuildBytesPerWrite,
        maxPageBytes: Int = 8 << 20,
        maxWait: Duration = .seconds(30),
        leaseHolder: String = "eventstore-api",
        logger: Logger
    ) {
        self.leaseHolder = leaseHolder
        self.kinds = kinds
        self.registry = registry
        self.reader = SharedPages(reader)
        self.batchSize = batchSize
        self.rebuildBytesPerWrite = rebuildBytesPerWrite
        self.maxPageBytes = maxPageBytes
        self.maxWait = maxWait
        self.logger = logger
    }

    // MARK: Lifecycle, driven by the topic service

    /// Starts the projections of a topic just attached, over its projection store (those of an earlier attachment of
    /// the topic are stopped first).
    /// - Throws: `invalidArgument` for a definition no registered kind accepts (nothing is started then).
    func attach(_ topic: AttachedTopic, store: any ProjectionStore) async throws {
        await self.detach(topic.name)
        var runners: [ProjectionName: ProjectionRunner] = [:]
        for definition in topic.configuration.projections {
            runners[definition.name] = try self.runner(definition, topic: topic, store: store)
        }
        self.topics.withLock { $0[topic.name] = TopicProjections(store: store, runners: runners) }
        for runner in runners.values { runner.start() }
    }

    /// Whether a topic's projection store is open (its projections can be added).
    func isAttached(_ topic: TopicName) -> Bool {
        self.topics.withLock { $0[topic] != nil }
    }

    /// Stops a topic's projections and closes its projection store.
    func detach(_ topic: TopicName) async {
        guard let projections = self.topics.withLock({ $0.removeValue(forKey: topic) }) else { return }
        for runner in projections.runners.values { await runner.stop() }
        self.reader.forget(topic)  // once no worker of it reads any more
        do {
            try await projections.store.close(logger: self.logger)
        } catch {
            self.logger.error("Closing a projection store failed", metadata: ["topic": "\(topic)", "error": "\(error)"])
        }
    }

    /// Stops every topic's projections and closes their stores.
    public func stopAll() async {
        for topic in self.topics.withLock({ Array($0.keys) }) {
            await self.detach(topic)
        }
    }

    /// Checks that a kind accepts a definition, without starting anything.
    func check(_ definition: ProjectionDefinition, topic: TopicName) throws(EventStoreError) {
        _ = try self.kinds.fold(for: definition, topic: topic)
    }

    /// Starts a projection added to an attached topic (the topic service stored it first).
    func add(_ definition: ProjectionDefinition, to topic: AttachedTopic) throws(EventStoreError) -> ProjectionInfo {
        guard let store = self.topics.withLock({ $0[topic.name]?.store }) else {
            throw EventStoreError(.storageUnavailable, "the projections of topic '\(topic.name)' are unavailable")
        }
        let runner = try self.runner(definition, topic: topic, store: store)
        self.topics.withLock { $0[topic.name]?.runners[definition.name] = runner }
        runner.start()
        return runner.info()
    }

    /// Stops a projection the topic service removed and, when `dropping`, drops its read model (a server following a
    /// change another made to a shared catalog leaves that to the other).
    func remove(_ name: ProjectionName, from topic: TopicName, dropping: Bool = true) async throws {
        let removed = self.topics.withLock { topics -> (any ProjectionStore, ProjectionRunner?)? in
            guard let store = topics[topic]?.store else { return nil }
            return (store, topics[topic]?.runners.removeValue(forKey: name))
        }
        guard let (store, runner) = removed else { return }
        await runner?.stop()
        if dropping { try await store.drop(name, generation: nil, logger: self.logger) }
    }

    /// Starts an online rebuild, once its lease is taken.
    func rebuild(_ name: ProjectionName, of topic: TopicName) async throws -> ProjectionInfo {
        let runner = try self.runner(named: name, of: topic)
        try await runner.rebuild()
        return runner.info()
    }

    /// The state of each projection of a topic, by name, for `/health`.
    public func states(of topic: TopicName) -> [(ProjectionName, ProjectionInfo.State)] {
        let runners = self.topics.withLock { $0[topic]?.runners.values.map { $0 } ?? [] }
        return runners.map { ($0.name, $0.info().state) }.sorted { $0.0 < $1.0 }
    }

    private func runner(_ definition: ProjectionDefinition, topic: AttachedTopic, store: any ProjectionStore) throws(EventStoreError) -> ProjectionRunner {
        ProjectionRunner(
            definition: definition,
            fold: try self.kinds.fold(for: definition, topic: topic.name),
            topic: topic,
            store: store,
            reader: self.reader,
            registry: self.registry,
            batchSize: self.batchSize,
            rebuildBytesPerWrite: self.rebuildBytesPerWrite,
            leaseHolder: self.leaseHolder,
            logger: self.logger
        )
    }

    private func runner(named name: ProjectionName, of topic: TopicName) throws(EventStoreError) -> ProjectionRunner {
        _ = try self.registry.readyTopic(topic)
        guard let runner = self.topics.withLock({ $0[topic]?.runners[name] }) else {
            throw EventStoreError(.projectionNotFound, "topic '\(topic)' has no projection '\(name)'")
        }
        return runner
    }

    // MARK: Queries

    public func listProjections(of topic: TopicName, logger: Logger) async throws -> [ProjectionInfo] {
        _ = try self.registry.readyTopic(topic)
        let runners = self.topics.withLock { $0[topic]?.runners.values.map { $0 } ?? [] }
        return runners.map { $0.info() }.sorted { $0.definition.name < $1.definition.name }
    }

    public func projection(_ query: ProjectionQuery, logger: Logger) async throws -> ProjectionView {
        let runner = try self.runner(named: query.name, of: query.topic)
        try self.validate(query)
        return try await self.consistentRead(query, runner: runner) {
            if runner.fold.isReadWhole {
                // Whole, up to a bound: a model of more entries shows its first ones (the kind says so).
                let page = try await runner.store.entries(
                    of: query.name,
                    after: nil,
                    prefix: "",
                    limit: Self.maxWholeEntries + 1,
                    maxBytes: .max,
                    logger: logger
                )
                let state = try runner.fold.wholeState(of: page.entries)
                return (page.generation, ProjectionView(info: runner.info(at: page.generation), state: state))
            }
            let page = try await runner.store.entries(
                of: query.name,
                after: query.after,
                prefix: query.prefix,
                limit: query.limit + 1,
                maxBytes: self.maxPageBytes,
                logger: logger
            )
            let entries = Array(page.entries.prefix(query.limit))
            // More may follow when the page is full or ended at its byte budget.
            let nextAfter = page.entries.count > query.limit || page.endedAtBudget ? entries.last?.key : nil
            return (page.generation, ProjectionView(info: runner.info(at: page.generation), entries: entries, nextAfter: nextAfter))
        }
    }

    public func projectionEntry(_ key: ProjectionKey, query: ProjectionQuery, logger: Logger) async throws -> (ProjectionInfo, RawJSON) {
        let runner = try self.runner(named: query.name, of: query.topic)
        try self.validate(query)
        return try await self.consistentRead(query, runner: runner) {
            let page = try await runner.store.entry(key, of: query.name, logger: logger)
            guard let entry = page.entries.first else {
                throw EventStoreError(.entryNotFound, "projection '\(query.name)' has no entry '\(key.text.prefix(200))'")
            }
            return (page.generation, (runner.info(at: page.generation), entry.value))
        }
    }

    /// The most entries of a model read whole (`stats`: types).
    public static let maxWholeEntries = 10_000

    private func validate(_ query: ProjectionQuery) throws(EventStoreError) {
        if let minimum = query.minCheckpoint, minimum < 0 {
            throw EventStoreError(.invalidArgument, "min_checkpoint must be 0 or greater")
        }
        if let wait = query.wait, wait < .zero || wait > self.maxWait {
            throw EventStoreError(.invalidArgument, "wait must be between 0 and \(self.maxWait.components.seconds) seconds")
        }
    }

    /// Reads once the projection's checkpoint has reached the query's `minCheckpoint` (waiting up to its `wait`),
    /// and makes sure the data read reflects it: a generation swapped in meanwhile may stand lower for a moment.
    /// - Throws: `waitTimedOut` when the checkpoint is not reached in time.
    private func consistentRead<Answer: Sendable>(
        _ query: ProjectionQuery,
        runner: ProjectionRunner,
        _ read: () async throws -> (ProjectionGeneration, Answer)
    ) async throws -> Answer {
        guard let minimum = query.minCheckpoint else { return try await read().1 }
        let deadline = ContinuousClock.now + (query.wait ?? .zero)
        while true {
            if runner.checkpoint < minimum, minimum > 0, !Task.isShuttingDownGracefully {
                let checkpointWatch = runner.checkpointWatch
                _ = await cancelWhenGracefulShutdown { await checkpointWatch.wait(forHeadBeyond: minimum - 1, until: deadline) }
            }
            let (generation, answer) = try await read()
            if generation.checkpoint >= minimum { return answer }
            guard ContinuousClock.now < deadline, !Task.isShuttingDownGracefully else {
                throw EventStoreError(
                    .waitTimedOut,
                    "projection '\(query.name)' has checkpoint \(generation.checkpoint), not yet \(minimum)"
                        + (Task.isShuttingDownGracefully ? "; the server is shutting down" : "")
                )
            }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
