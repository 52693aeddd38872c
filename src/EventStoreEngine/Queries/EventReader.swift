public import EventStoreCore
import ServiceLifecycle
public import Logging

/// Handles event queries against the topics' logs.
public struct EventReader: EventQueries {
    private let topics: TopicRegistry
    public let limits: ReadLimits
    private let waitingReads = WaitingReads()

    public init(topics: TopicRegistry, limits: ReadLimits) {
        self.topics = topics
        self.limits = limits
    }

    public func readEvents(_ query: EventQuery, logger: Logger) async throws -> EventPage {
        guard query.from >= 0 else {
            throw EventStoreError(.invalidArgument, "from must be 0 or greater")
        }
        guard (1...self.limits.maxPageSize).contains(query.limit) else {
            throw EventStoreError(.invalidArgument, "limit must be between 1 and \(self.limits.maxPageSize)")
        }
        try query.filter.validate(as: "filter")
        if let wait = query.wait, wait < .zero || wait > self.limits.maxWait {
            throw EventStoreError(.invalidArgument, "wait must be between 0 and \(self.limits.maxWait.components.seconds) seconds")
        }
        var attached = try self.topics.readyTopic(query.topic)
        var page = try await self.read(query, from: query.from, in: attached, logger: logger)
        guard let wait = query.wait, page.events.isEmpty else { return page }
        // Long poll: wait for the head to pass what this read examined, re-read, until something matches or time is up.
        guard self.waitingReads.enter(limit: self.limits.maxWaitingReads) else {
            throw EventStoreError(.overloaded, "\(self.limits.maxWaitingReads) reads are already waiting for new events; try again shortly")
        }
        defer { self.waitingReads.leave() }
        let deadline = ContinuousClock.now + wait
        // A graceful shutdown ends the wait: the read answers what it found (nothing yet), as when its time is up.
        while page.events.isEmpty, ContinuousClock.now < deadline, !Task.isShuttingDownGracefully {
            let examined = max(page.nextOffset, query.from)
            let headWatch = attached.headWatch
            let woken = await cancelWhenGracefulShutdown { await headWatch.wait(forHeadBeyond: examined, until: deadline) }
            guard woken, !Task.isShuttingDownGracefully else { break }
            attached = try self.topics.readyTopic(query.topic)  // it may have failed or been detached meanwhile
            page = try await self.read(query, from: examined, in: attached, logger: logger)
        }
        return page
    }

    private func read(_ query: EventQuery, from offset: Int64, in attached: AttachedTopic, logger: Logger) async throws -> EventPage {
        let page = try await attached.storageCall(registry: self.topics, logger: logger) { log in
            try await log.read(from: offset, limit: query.limit, maxBytes: self.limits.maxPageBytes, filter: query.filter, logger: logger)
        }
        attached.metrics.recordRead(count: page.events.count)
        return page
    }

    public func readEvent(at offset: Int64, in topic: TopicName, logger: Logger) async throws -> Event {
        guard offset >= 0 else {
            throw EventStoreError(.invalidArgument, "offset must be 0 or greater")
        }
        let page = try await self.readEvents(EventQuery(topic: topic, from: offset, limit: 1), logger: logger)
        guard let event = page.events.first, event.offset == offset else {
            throw EventStoreError(.eventNotFound, "topic '\(topic)' has no event at offset \(offset) (head is \(page.head))")
        }
        return event
    }
}
