public import AsyncLocking
public import EventStoreCore
public import Logging
public import ServiceLifecycle

/// Attaches, detaches and describes topics; persists their configurations in the catalog.
///
/// Control-plane changes are serialised by the actor; the data plane reads the ``TopicRegistry`` directly and never
/// waits for this actor. As a `Service`, it closes every log at graceful shutdown, after the HTTP server (listed
/// after it) has finished its in-flight requests.
public actor TopicService: TopicCommands, TopicQueries, ProjectionCommands, Service {
    public nonisolated let registry: TopicRegistry
    private let adapters: [AdapterKind: any StorageAdapter]
    let catalog: any TopicCatalog
    /// Runs the attached topics' projections.
    public nonisolated let projections: ProjectionService
    /// Makes a projection store for topics whose adapter keeps none.
    let memoryProjectionStore: @Sendable () -> any ProjectionStore
    public nonisolated let projectionLimits: ProjectionLimits
    let logger: Logger
    /// Held by one control-plane change at a time.
    private let changes = AsyncLock()
    /// Set at shutdown: catalog changes no longer attach anything.
    private var stopped = false
    /// Opens when every topic, the adapters and the catalog are closed: what the thread pools wait for.
    public nonisolated let closed = AsyncLatch()
    /// Changes other processes made to a shared catalog, followed one at a time by ``run()`` (announcements that
    /// arrive while one is followed make one more).
    private nonisolated let catalogChanges = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    /// How long `health` waits for a topic's storage to answer before reporting it unavailable.
    public nonisolated let storageCheckTimeout: Duration

    /// - Parameters:
    ///   - adapters: the storage adapters this build offers.
    ///   - catalog: where topic configurations are persisted.
    ///   - projections: runs the topics' projections.
    ///   - memoryProjectionStore: makes a projection store for topics whose adapter keeps none.
    ///   - storageCheckTimeout: how long `health` waits for each topic's storage.
    ///   - projectionLimits: bounds on the projections of a topic.
    public init(
        registry: TopicRegistry,
        adapters: [any StorageAdapter],
        catalog: any TopicCatalog,
        projections: ProjectionService,
        memoryProjectionStore: @escaping @Sendable () -> any ProjectionStore,
        storageCheckTimeout: Duration = .seconds(2),
        projectionLimits: ProjectionLimits = ProjectionLimits(),
        logger: Logger
    ) {
        self.projections = projections
        self.memoryProjectionStore = memoryProjectionStore
        self.projectionLimits = projectionLimits
        self.registry = registry
        self.storageCheckTimeout = storageCheckTimeout
        self.adapters = Dictionary(adapters.map { ($0.kind, $0) }, uniquingKeysWith: { $1 })
        self.catalog = catalog
        self.logger = logger
    }

    /// The adapters this build offers, by name.
    public nonisolated var availableAdapters: [AdapterKind] {
        AdapterKind.all.filter { kind in self.adapters.keys.contains(kind) }
    }

    /// Attaches every topic in the catalog, then every topic of `declared` that is not there yet (persisting it),
    /// and from then on follows the changes other processes make to a shared catalog.
    ///
    /// A catalog topic whose storage fails to open is attached in the failed state (visible in health) rather than
    /// stopping the service. A declared topic that conflicts with the catalog stops startup: a topic is never
    /// silently re-bound to other storage.
    /// - Throws: `EventStoreError` for a conflicting or invalid declared topic, or errors loading the catalog.
    public func attachStoredTopics(declared: [TopicConfiguration]) async throws {
        let changes = self.catalogChanges.continuation
        self.catalog.observeChanges { changes.yield() }
        try await self.exclusively {
            // Shut down before startup attached anything: nothing is opened that no one would close.
            guard !self.stopped else { return }
            for configuration in try await self.catalog.load(logger: self.logger) {
                await self.attachStored(configuration)
            }
            for configuration in declared {
                if let existing = self.registry.attached(configuration.name), !existing.configuration.hasSameBinding(as: configuration) {
                    throw EventStoreError(
                        .topicConflict,
                        "topic '\(configuration.name)' in the topics file differs from the one in the catalog; delete it first to re-bind it"
                    )
                }
                _ = try await self.create(configuration, prepared: false, logger: self.logger)
            }
        }
    }

    /// Brings the attached topics in line with a catalog another process changed: topics it added are attached,
    /// topics it removed (or re-bound) are detached here too. A catalog that cannot be read changes nothing.
    func followCatalog() async {
        await self.exclusively {
            guard !self.stopped else { return }
            let stored: [TopicConfiguration]
            do {
                stored = try await self.catalog.load(logger: self.logger)
            } catch {
                self.logger.warning("Topic catalog could not be read; topics stay as they are", metadata: ["error": "\(error)"])
                return
            }
            let wanted = Dictionary(stored.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
            for topic in self.registry.all() {
                guard let configuration = wanted[topic.name], configuration.hasSameBinding(as: topic.configuration) else {
                    await self.detach(topic.name, logger: self.logger)
                    continue
                }
                if configuration.projections != topic.configuration.projections {
                    await self.followProjections(of: topic, to: configuration)
                }
            }
            for configuration in stored where self.registry.attached(configuration.name) == nil {
                await self.attachStored(configuration)
            }
        }
    }

    public func createTopic(_ configuration: TopicConfiguration, logger: Logger) async throws -> TopicCreation {
        guard self.registry.attached(configuration.name) == nil else {
            // The same name again: the identical configuration answers 200, another 409; nothing to check or reach
            // (unless the topic is detached meanwhile: then it is prepared like any new one).
            return try await self.exclusively { try await self.create(configuration, prepared: false, logger: logger) }
        }
        try self.validate(configuration)
        let adapter = try self.adapter(for: configuration)
        try adapter.validate(configuration)
        // Reaching a server may take its whole connect timeout: never while holding the lock of topic changes.
        try await adapter.prepare(configuration, logger: logger)
        return try await self.exclusively { try await self.create(configuration, prepared: true, logger: logger) }
    }

    /// Attaches a topic, or answers for the one of that name already attached (a stored topic is not held to the
    /// rules for new ones: it opens as it was created).
    /// - Parameter prepared: whether the adapter already prepared the topic (outside the lock).
    private func create(_ configuration: TopicConfiguration, prepared: Bool, logger: Logger) async throws -> TopicCreation {
        if let existing = self.registry.attached(configuration.name) {
            guard existing.configuration.hasSameBinding(as: configuration) else {
                throw EventStoreError(.topicConflict, "topic '\(configuration.name)' exists with a different configuration")
            }
            if existing.state.isReady {
                // A repeat may declare projections the topic lacks: they are added.
                let topic = try await self.addMissingProjections(of: configuration, to: existing, logger: logger)
                return TopicCreation(created: false, topic: await topic.info(logger: logger))
            }
            // The same configuration again for a failed topic: try its storage once more, its projections (holding the
            // old log) stopped first.
            await self.projections.detach(configuration.name)
            let log = try await self.open(configuration)
            let head = (try? await log.head(logger: logger)) ?? 0
            if existing.headWatch.advance(to: head) { existing.metrics.recordHead(head) }
            Self.observeExternalAppends(of: log, headWatch: existing.headWatch, metrics: existing.metrics)
            let reopened = AttachedTopic(
                configuration: existing.configuration,
                shown: existing.shownConfiguration,
                log: log,
                metrics: existing.metrics,
                headWatch: existing.headWatch
            )
            self.registry.put(reopened)
            await self.startProjections(of: reopened, logger: logger)
            return TopicCreation(created: false, topic: await reopened.info(logger: logger))
        }
        try self.validate(configuration)
        let adapter = try self.adapter(for: configuration)
        try adapter.validate(configuration)
        if !prepared { try await adapter.prepare(configuration, logger: logger) }
        let log = try await self.open(configuration)
        let topic: AttachedTopic
        do {
            topic = try await Self.attach(configuration, shown: self.shown(configuration), log: log, logger: logger)
        } catch {
            try? await log.close(logger: logger)
            throw EventStoreError(.storageUnavailable, "the storage of topic '\(configuration.name)' could not be read")
        }
        let addition: CatalogAddition
        do {
            addition = try await self.catalog.add(configuration, logger: logger)
        } catch {
            try? await log.close(logger: logger)
            logger.error("Catalog write failed", metadata: ["topic": "\(configuration.name)", "error": "\(error)"])
            throw EventStoreError(.storageUnavailable, "the topic catalog could not be written; the topic was not created")
        }
        if case .alreadyStored(let stored) = addition, !stored.hasSameBinding(as: configuration) {
            // Another process created the topic differently a moment ago.
            try? await log.close(logger: logger)
            throw EventStoreError(.topicConflict, "topic '\(configuration.name)' exists with a different configuration")
        }
        self.registry.put(topic)
        await self.startProjections(of: topic, logger: logger)
        logger.info("Created topic", metadata: ["topic": "\(configuration.name)", "adapter": "\(configuration.adapter)"])
        return TopicCreation(created: addition == .added, topic: await topic.info(logger: logger))
    }

    public func deleteTopic(_ name: TopicName, logger: Logger) async throws {
        try await self.exclusively {
            guard self.registry.attached(name) != nil else {
                throw EventStoreError(.topicNotFound, "topic '\(name)' does not exist")
            }
            do {
                try await self.catalog.remove(name, logger: logger)
            } catch {
                logger.error("Catalog write failed", metadata: ["topic": "\(name)", "error": "\(error)"])
                throw EventStoreError(.storageUnavailable, "the topic catalog could not be written; the topic is still attached")
            }
            await self.detach(name, logger: logger)
        }
    }

    /// Takes a topic out of service: waiting readers and subscriptions learn it is gone, then its log is closed.
    private func detach(_ name: TopicName, logger: Logger) async {
        guard let topic = self.registry.remove(name) else { return }
        await self.projections.detach(name)
        topic.headWatch.close()
        topic.metrics.remove()
        try? await topic.log?.close(logger: logger)
        logger.info("Detached topic", metadata: ["topic": "\(name)"])
    }

    /// Attaches a topic read from the catalog; one whose storage fails to open is attached as failed.
    private func attachStored(_ configuration: TopicConfiguration) async {
        do {
            let log = try await self.open(configuration)
            let topic = try await Self.attach(configuration, shown: self.shown(configuration), log: log, logger: self.logger)
            self.registry.put(topic)
            await self.startProjections(of: topic, logger: self.logger)
            self.logger.info("Attached topic", metadata: ["topic": "\(configuration.name)", "adapter": "\(configuration.adapter)"])
        } catch {
            let reason = (error as? EventStoreError)?.message ?? "its storage could not be opened"
            self.registry.put(
                AttachedTopic(
                    configuration: configuration,
                    shown: self.shown(configuration),
                    failure: reason,
                    metrics: TopicMetrics(topic: configuration.name),
                    headWatch: HeadWatch(head: 0)
                )
            )
            self.logger.error("Topic failed to open", metadata: ["topic": "\(configuration.name)", "reason": "\(reason)"])
        }
    }

    /// Runs control-plane changes one at a time, across their suspension points (the actor alone would interleave
    /// them there), so a topic is never opened twice by a create racing a catalog change.
    func exclusively<Value>(_ body: () async throws -> Value) async rethrows -> Value {
        try await self.changes.withLock(body)
    }

    public nonisolated func listTopics(logger: Logger) async -> [TopicInfo] {
        var infos: [TopicInfo] = []
        for topic in self.registry.all() {
            infos.append(await topic.info(logger: logger))
        }
        return infos
    }

    public nonisolated func topic(named name: TopicName, logger: Logger) async throws -> TopicInfo {
        guard let topic = self.registry.attached(name) else {
            throw EventStoreError(.topicNotFound, "topic '\(name)' does not exist")
        }
        return await topic.info(logger: logger)
    }

    /// Every topic's state, its storage checked now (all at once, each waited for up to `storageCheckTimeout`).
    public nonisolated func health(logger: Logger) async -> ServiceHealth {
        let topics = self.registry.all()
        var states = topics.map(\.state)
        let checked = topics.indices.filter { topics[$0].checksStorage }
        if !checked.isEmpty {
            await withTaskGroup(of: (Int, TopicState).self) { group in
                for index in checked {
                    group.addTask { (index, await topics[index].currentState(timeout: self.storageCheckTimeout, logger: logger)) }
                }
                for await (index, state) in group { states[index] = state }
            }
        }
        return ServiceHealth(
            topics: zip(topics, states).map { topic, state in
                .init(
                    name: topic.name,
                    adapter: topic.configuration.adapter,
                    state: state,
                    projections: self.projections.states(of: topic.name).map { .init(name: $0.0, state: $0.1) }
                )
            }
        )
    }

    /// Follows the catalog's changes until graceful shutdown (or cancellation), then closes every log, then the
    /// adapters and the catalog, then opens ``closed``.
    public func run() async throws {
        await withDiscardingTaskGroup { group in
            group.addTask {
                for await _ in self.catalogChanges.stream { await self.followCatalog() }
            }
            try? await gracefulShutdown()
            self.catalogChanges.continuation.finish()
        }
        // In a task of its own, which the group's cancellation (after --shutdown-timeout) does not reach: closing
        // runs to its end, so no log or projection store is left half-closed.
        await Task { await self.closeAll() }.value
    }

    private func closeAll() async {
        await self.exclusively {
            self.stopped = true
            for topic in self.registry.removeAll() {
                await self.projections.detach(topic.name)
                do {
                    try await topic.log?.close(logger: self.logger)
                } catch {
                    self.logger.error("Closing topic failed", metadata: ["topic": "\(topic.name)", "error": "\(error)"])
                }
            }
            for adapter in self.adapters.values { await adapter.close(logger: self.logger) }
            await self.catalog.close(logger: self.logger)
        }
        self.logger.info("Closed all topics")
        self.closed.open()
    }

    /// A ready topic over `log`, its head watch and head gauge starting at the log's head.
    private static func attach(
        _ configuration: TopicConfiguration,
        shown: TopicConfiguration,
        log: any EventLog,
        logger: Logger
    ) async throws -> AttachedTopic {
        let head = try await log.head(logger: logger)
        let metrics = TopicMetrics(topic: configuration.name)
        metrics.recordHead(head)
        let headWatch = HeadWatch(head: head)
        Self.observeExternalAppends(of: log, headWatch: headWatch, metrics: metrics)
        return AttachedTopic(configuration: configuration, shown: shown, log: log, metrics: metrics, headWatch: headWatch)
    }

    /// Heads committed by other processes (shared storage) wake this process's readers and subscribers too.
    private static func observeExternalAppends(of log: any EventLog, headWatch: HeadWatch, metrics: TopicMetrics) {
        log.observeExternalAppends { head in
            if headWatch.advance(to: head) { metrics.recordHead(head) }
        }
    }

    /// `configuration` with its secrets masked, the connection by its adapter (by name when it has none here).
    func shown(_ configuration: TopicConfiguration) -> TopicConfiguration {
        let adapter = self.adapters[configuration.adapter]
        return configuration.redacted { adapter?.redactConnection($0) ?? SecretRedactor.redactConnection($0) }
    }

    func adapter(for configuration: TopicConfiguration) throws(EventStoreError) -> any StorageAdapter {
        guard let adapter = self.adapters[configuration.adapter] else {
            let available = self.availableAdapters.map(\.rawValue).joined(separator: ", ")
            throw EventStoreError(
                .unsupportedConfiguration,
                "adapter '\(configuration.adapter)' is not available in this build; available adapters: \(available)"
            )
        }
        return adapter
    }

    private func open(_ configuration: TopicConfiguration) async throws -> any EventLog {
        let adapter = try self.adapter(for: configuration)
        do {
            return try await adapter.openLog(for: configuration, logger: self.logger)
        } catch let error as EventStoreError {
            throw error
        } catch {
            self.logger.error("Opening topic failed", metadata: ["topic": "\(configuration.name)", "error": "\(String(reflecting: error))"])
            throw EventStoreError(.storageUnavailable, "the storage of topic '\(configuration.name)' could not be opened")
        }
    }
}
