public import EventStoreCore
public import Logging

/// Rebuilds a topic's projections straight from its storage, into new generations swapped in at the end: what
/// `eventstore-replay` runs, with or without a server holding the topic.
///
/// Each rebuild takes the projection's lease, drops what an interrupted rebuild left, folds every event from offset
/// 0 up to the log's head (for an fs topic, the head its writer had made durable) through the same follower as the
/// live workers, and swaps the new generation in. A server running the projection notices the swap within a second
/// and goes on from the new checkpoint. Interrupted, it drops its generation; killed, it leaves it to the next run.
public struct ProjectionReplay: Sendable {
    /// How far a rebuild has come.
    public struct Progress: Sendable {
        public var projection: ProjectionName
        /// Every event below it is folded.
        public var position: Int64
        /// Where the rebuild ends.
        public var head: Int64
    }

    private let configuration: TopicConfiguration
    private let log: any EventLog
    private let store: any ProjectionStore
    private let kinds: ProjectionKinds
    private let holder: String
    private let readLimits: ReadLimits
    private let logger: Logger

    /// - Parameters:
    ///   - configuration: the topic, with its projections as the catalog holds them.
    ///   - log: the topic's events (read-only is enough).
    ///   - store: the topic's projection store.
    ///   - holder: who this process is, in rebuild leases.
    ///   - readLimits: the pages it reads.
    public init(
        configuration: TopicConfiguration,
        log: any EventLog,
        store: any ProjectionStore,
        kinds: ProjectionKinds,
        holder: String,
        readLimits: ReadLimits = ReadLimits(),
        logger: Logger
    ) {
        self.readLimits = readLimits
        self.configuration = configuration
        self.log = log
        self.store = store
        self.kinds = kinds
        self.holder = holder
        self.logger = logger
    }

    /// Rebuilds one projection up to the log's head when the rebuild began.
    /// - Returns: the generation now served.
    /// - Throws: `projectionNotFound`, `projectionConflict` (another rebuilder holds the lease), `invalidArgument` (a
    ///   fold failed, naming the offset), storage errors; `CancellationError` when interrupted.
    public func rebuild(_ name: ProjectionName, progress: @escaping @Sendable (Progress) -> Void) async throws -> ProjectionGeneration {
        guard let definition = self.configuration.projections.first(where: { $0.name == name }) else {
            throw EventStoreError(.projectionNotFound, "topic '\(self.configuration.name)' has no projection '\(name)'")
        }
        let fold = try self.kinds.fold(for: definition, topic: self.configuration.name)
        let head = try await self.log.head(logger: self.logger)
        let registry = TopicRegistry()
        let topic = AttachedTopic(
            configuration: self.configuration,
            shown: self.configuration,
            log: self.log,
            metrics: TopicMetrics(topic: self.configuration.name),
            headWatch: HeadWatch(head: head)
        )
        registry.put(topic)
        let reader = EventReader(topics: registry, limits: self.readLimits)
        let follower = TopicFollower(topic: topic, reader: reader, registry: registry, filter: fold.filter, batchSize: self.readLimits.maxPageSize)
        let lease = RebuildLease(store: self.store, projection: name, holder: self.holder, logger: self.logger)
        try await lease.acquire()
        var rebuild = GenerationRebuild(store: self.store, name: name, fold: fold, lease: lease, logger: self.logger)
        do {
            _ = try await rebuild.begin(fingerprint: definition.fingerprint)
            // Up to the head seen at the start (a log another process appends to keeps moving: the server's worker
            // goes on from the swapped-in checkpoint).
            try await rebuild.fold(follower, until: head) { position in progress(Progress(projection: name, position: position, head: head)) }
            return try await rebuild.swap()
        } catch {
            await rebuild.abandon()
            throw error
        }
    }
}
