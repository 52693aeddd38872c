public import EventStoreCore
public import Logging
import ServiceLifecycle

/// Streams topics on the follower loop subscribers and projections use (``TopicFollower``).
public struct EventStreamer: EventStreamQueries {
    private let reader: any EventQueries
    private let registry: TopicRegistry
    private let pageSize: Int

    /// - Parameters:
    ///   - reader: reads the pages (validating, metering and bounding them like any read).
    ///   - pageSize: the most events one page delivers.
    public init(reader: any EventQueries, registry: TopicRegistry, pageSize: Int) {
        self.reader = reader
        self.registry = registry
        self.pageSize = pageSize
    }

    public func check(_ query: EventStreamQuery) throws(EventStoreError) {
        _ = try self.readyTopic(for: query)
    }

    private func readyTopic(for query: EventStreamQuery) throws(EventStoreError) -> AttachedTopic {
        try query.filter.validate(as: "filter")
        guard query.from >= 0 else { throw EventStoreError(.invalidArgument, "from must be 0 or greater") }
        return try self.registry.readyTopic(query.topic)
    }

    public func streamEvents(_ query: EventStreamQuery, logger: Logger, deliver: @Sendable (EventStreamItem) async throws -> Void) async throws {
        let follower = TopicFollower(
            topic: try self.readyTopic(for: query),
            reader: self.reader,
            registry: self.registry,
            filter: query.filter,
            batchSize: self.pageSize
        )
        var position = query.from
        var lastDelivery = ContinuousClock.now
        while !Task.isShuttingDownGracefully {
            // The client went away (the stream's writer failed and cancelled this task): a cancelled wait answers at
            // once, so without this the loop would spin until its next delivery failed.
            try Task.checkCancellation()
            let quiet = ContinuousClock.now - lastDelivery
            guard quiet < query.heartbeat else {
                try await deliver(.heartbeat)
                lastDelivery = .now
                continue
            }
            let wait = query.heartbeat - quiet
            // A graceful shutdown ends the wait, and the stream.
            let from = position
            let step = try await cancelWhenGracefulShutdown { try await follower.next(from: from, waitingUpTo: wait, logger: logger) }
            switch step {
            case .events(let page):
                try await deliver(.events(page.events))
                position = page.nextOffset
                lastDelivery = .now
            case .caughtUp(let examined, _):
                position = examined
            case .gone:
                try await deliver(.end)
                return
            }
        }
    }
}
