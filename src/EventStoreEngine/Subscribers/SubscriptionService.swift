public import EventStoreCore
public import Logging
public import ServiceLifecycle
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Holds the transient webhook subscriptions and runs a delivery worker for each.
///
/// Subscriptions live in memory only: a restart forgets them, and a client resumes by subscribing again from the
/// `position` its last callback reported. As a `Service`, it stops every worker at graceful shutdown.
public final class SubscriptionService: SubscriptionCommands, SubscriptionQueries, Service {
    private let registry: TopicRegistry
    private let reader: any EventQueries
    private let sender: any CallbackSender
    private let clock: any WallClock
    public let policy: DeliveryPolicy
    private let logger: Logger
    private let subscriptions = Mutex<[SubscriptionID: Subscription]>([:])

    /// - Parameters:
    ///   - registry: the attached topics, for their heads.
    ///   - reader: how workers read events (and wait for new ones).
    ///   - sender: how workers deliver callbacks, and whose policy vets callback URLs.
    public init(
        registry: TopicRegistry,
        reader: any EventQueries,
        sender: any CallbackSender,
        policy: DeliveryPolicy = DeliveryPolicy(),
        clock: any WallClock = SystemWallClock(),
        logger: Logger
    ) {
        self.registry = registry
        self.reader = reader
        self.sender = sender
        self.policy = policy
        self.clock = clock
        self.logger = logger
    }

    public func subscribe(_ request: SubscriptionRequest, logger: Logger) async throws -> SubscriptionCreated {
        guard request.from >= 0 else {
            throw EventStoreError(.invalidArgument, "from must be 0 or greater")
        }
        let batchSize = request.batchSize ?? self.policy.defaultBatchSize
        guard (1...self.policy.maxBatchSize).contains(batchSize) else {
            throw EventStoreError(.invalidArgument, "batch_size must be between 1 and \(self.policy.maxBatchSize)")
        }
        let url = try CallbackURL(request.callbackURL)
        guard let topic = self.registry.attached(request.topic) else {
            throw EventStoreError(.topicNotFound, "topic '\(request.topic)' does not exist")
        }
        try await self.sender.checkDestination(url, logger: logger)

        let secret = SigningSecret.generate()
        let subscription = Subscription(
            id: SubscriptionID(),
            request: request,
            callbackURL: url,
            batchSize: batchSize,
            createdAt: self.clock.now(),
            secret: secret
        )
        let admitted = self.subscriptions.withLock { subscriptions in
            guard subscriptions.count < self.policy.maxSubscriptions else { return false }
            subscriptions[subscription.id] = subscription
            return true
        }
        guard admitted else {
            throw EventStoreError(.limitExceeded, "the service holds its maximum of \(self.policy.maxSubscriptions) subscriptions")
        }
        let worker = SubscriptionWorker(
            subscription: subscription,
            follower: TopicFollower(
                topic: topic,
                reader: self.reader,
                registry: self.registry,
                filter: request.filter,
                batchSize: batchSize
            ),
            sender: self.sender,
            policy: self.policy,
            retire: { [weak self] in self?.remove(subscription.id) },
            logger: self.logger
        )
        subscription.start { await worker.run() }
        self.logger.info(
            "Subscribed",
            metadata: [
                "topic": "\(request.topic)", "subscription": "\(subscription.id)", "from": "\(request.from)",
                "callback_host": "\(url.host)",
            ]
        )
        return SubscriptionCreated(subscription: self.info(subscription), secret: secret)
    }

    public func unsubscribe(_ id: SubscriptionID, from topic: TopicName, logger: Logger) async throws {
        let subscription = try self.find(id, of: topic)
        self.remove(id)
        await subscription.stop()
        self.logger.info("Unsubscribed", metadata: ["topic": "\(topic)", "subscription": "\(id)"])
    }

    public func subscriptions(of topic: TopicName) async throws -> [SubscriptionInfo] {
        guard self.registry.attached(topic) != nil else {
            throw EventStoreError(.topicNotFound, "topic '\(topic)' does not exist")
        }
        return self.subscriptions.withLock { Array($0.values) }
            .filter { $0.topic == topic }
            .sorted { ($0.createdAt, $0.id.description) < ($1.createdAt, $1.id.description) }
            .map(self.info)
    }

    public func subscription(_ id: SubscriptionID, of topic: TopicName) async throws -> SubscriptionInfo {
        self.info(try self.find(id, of: topic))
    }

    /// Runs until graceful shutdown, then stops every worker.
    public func run() async throws {
        try? await gracefulShutdown()
        await self.stopAll()
    }

    /// Stops every worker and forgets every subscription.
    public func stopAll() async {
        let all = self.subscriptions.withLock { subscriptions in
            defer { subscriptions.removeAll() }
            return Array(subscriptions.values)
        }
        for subscription in all { subscription.cancel() }
        for subscription in all {
            await subscription.stop()
            subscription.metrics.destroy()
        }
    }

    private func find(_ id: SubscriptionID, of topic: TopicName) throws(EventStoreError) -> Subscription {
        guard let subscription = self.subscriptions.withLock({ $0[id] }), subscription.topic == topic else {
            throw EventStoreError(.subscriptionNotFound, "topic '\(topic)' has no subscription '\(id)'")
        }
        return subscription
    }

    private func remove(_ id: SubscriptionID) {
        let removed = self.subscriptions.withLock { $0.removeValue(forKey: id) }
        removed?.metrics.destroy()
    }

    private func info(_ subscription: Subscription) -> SubscriptionInfo {
        subscription.info(head: self.registry.attached(subscription.topic)?.headWatch.head)
    }
}
