public import EventStoreCore
public import Logging

/// Handles publish commands: validation, then one atomic append to the topic's log.
public struct EventPublisher: EventCommands {
    private let topics: TopicRegistry
    private let validator: EventValidator
    private let clock: any WallClock

    public init(topics: TopicRegistry, limits: EventLimits, clock: any WallClock = SystemWallClock()) {
        self.topics = topics
        self.validator = EventValidator(limits: limits)
        self.clock = clock
    }

    public func publish(_ drafts: [EventDraft], condition: AppendCondition?, to topic: TopicName, logger: Logger) async throws -> AppendResult {
        let events = try self.validator.prepare(drafts, condition: condition, timestamp: self.clock.now())
        let attached = try self.topics.readyTopic(topic)
        let result = try await attached.storageCall(registry: self.topics, logger: logger) { log in
            try await log.append(events, condition: condition, logger: logger)
        }
        let stored = result.entries.reduce(0) { $0 + ($1.duplicate ? 0 : 1) }
        attached.metrics.recordAppend(count: stored)
        if attached.headWatch.advance(to: result.lastOffset + 1) {
            attached.metrics.recordHead(result.lastOffset + 1)
        }
        logger.trace("Appended batch", metadata: ["topic": "\(topic)", "batch.size": "\(events.count)", "batch.stored": "\(stored)"])
        return result
    }
}
