public import EventStoreCore
public import Logging

/// Projections are declared with their topic: in its configuration, stored in the catalog. These changes go through
/// the same lock as every other change of topics.
extension TopicService {
    public func addProjection(_ definition: ProjectionDefinition, to topic: TopicName, logger: Logger) async throws -> ProjectionInfo {
        try await self.exclusively {
            let attached = try self.registry.readyTopic(topic)
            guard self.projections.isAttached(topic) else {
                throw EventStoreError(.storageUnavailable, "the projections of topic '\(topic)' are unavailable (see the server log)")
            }
            guard !attached.configuration.projections.contains(where: { $0.name == definition.name }) else {
                throw EventStoreError(.projectionConflict, "topic '\(topic)' already has a projection '\(definition.name)'")
            }
            var configuration = attached.configuration
            configuration.projections.append(definition)
            try self.validate(configuration)
            let updated = try await self.store(configuration, replacing: attached, logger: logger)
            logger.info("Added projection", metadata: ["topic": "\(topic)", "projection": "\(definition.name)", "kind": "\(definition.kind)"])
            return try self.projections.add(definition, to: updated)
        }
    }

    public func removeProjection(_ name: ProjectionName, from topic: TopicName, logger: Logger) async throws {
        try await self.exclusively {
            let attached = try self.registry.readyTopic(topic)
            guard attached.configuration.projections.contains(where: { $0.name == name }) else {
                throw EventStoreError(.projectionNotFound, "topic '\(topic)' has no projection '\(name)'")
            }
            var configuration = attached.configuration
            configuration.projections.removeAll { $0.name == name }
            _ = try await self.store(configuration, replacing: attached, logger: logger)
            try await self.projections.remove(name, from: topic)
            logger.info("Removed projection", metadata: ["topic": "\(topic)", "projection": "\(name)"])
        }
    }

    public func rebuildProjection(_ name: ProjectionName, of topic: TopicName, logger: Logger) async throws -> ProjectionInfo {
        let info = try await self.projections.rebuild(name, of: topic)
        logger.info("Rebuilding projection", metadata: ["topic": "\(topic)", "projection": "\(name)"])
        return info
    }

    /// Checks a configuration as a whole: its fields, its projections against the registered kinds and the limit.
    func validate(_ configuration: TopicConfiguration) throws(EventStoreError) {
        try configuration.validate()
        guard configuration.projections.count <= self.projectionLimits.maxPerTopic else {
            throw EventStoreError(
                .limitExceeded,
                "a topic may have at most \(self.projectionLimits.maxPerTopic) projections (--max-projections-per-topic)"
            )
        }
        for definition in configuration.projections {
            try self.projections.check(definition, topic: configuration.name)
        }
    }

    /// Adds the projections a repeated declaration names that the topic lacks (the others are left as they are).
    func addMissingProjections(of declared: TopicConfiguration, to attached: AttachedTopic, logger: Logger) async throws -> AttachedTopic {
        let known = Set(attached.configuration.projections.map(\.name))
        let missing = declared.projections.filter { !known.contains($0.name) }
        guard !missing.isEmpty else { return attached }
        var configuration = attached.configuration
        configuration.projections += missing
        try self.validate(configuration)
        let updated = try await self.store(configuration, replacing: attached, logger: logger)
        for definition in missing {
            _ = try self.projections.add(definition, to: updated)
        }
        return updated
    }

    /// Stores a changed configuration in the catalog, then attaches the topic under it.
    private func store(_ configuration: TopicConfiguration, replacing attached: AttachedTopic, logger: Logger) async throws -> AttachedTopic {
        do {
            try await self.catalog.replace(configuration, logger: logger)
        } catch let error as EventStoreError where error.code == .topicNotFound {
            throw EventStoreError(.topicNotFound, "topic '\(configuration.name)' was deleted meanwhile")
        } catch {
            logger.error("Catalog write failed", metadata: ["topic": "\(configuration.name)", "error": "\(error)"])
            throw EventStoreError(.storageUnavailable, "the topic catalog could not be written; nothing was changed")
        }
        let updated = attached.replacingConfiguration(configuration, shown: self.shown(configuration))
        self.registry.put(updated)
        return updated
    }

    /// Starts the projections of a topic just attached, over the store its adapter keeps (or one in memory).
    func startProjections(of topic: AttachedTopic, logger: Logger) async {
        do {
            let adapter = try self.adapter(for: topic.configuration)
            let store = try await adapter.openProjectionStore(for: topic.configuration, logger: logger) ?? self.memoryProjectionStore()
            try await self.projections.attach(topic, store: store)
        } catch {
            logger.error("Projections of the topic could not start", metadata: ["topic": "\(topic.name)", "error": "\(error)"])
        }
    }

    /// Brings a topic's projections in line with a catalog another process changed: those it removed or declared
    /// differently are stopped (their read models are the other process's to drop), the new ones started.
    func followProjections(of topic: AttachedTopic, to configuration: TopicConfiguration) async {
        let before = Dictionary(topic.configuration.projections.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        let after = Dictionary(configuration.projections.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        let updated = topic.replacingConfiguration(configuration, shown: self.shown(configuration))
        self.registry.put(updated)
        for (name, definition) in before where after[name] != definition {
            try? await self.projections.remove(name, from: topic.name, dropping: false)
        }
        for definition in configuration.projections where before[definition.name] != definition {
            do {
                _ = try self.projections.add(definition, to: updated)
            } catch {
                self.logger.error("Projection from the catalog could not start", metadata: ["topic": "\(topic.name)", "error": "\(error)"])
            }
        }
    }
}
