/// Reading subscriptions' settings and progress.
public protocol SubscriptionQueries: Sendable {
    /// The topic's subscriptions, oldest first.
    /// - Throws: `EventStoreError.topicNotFound`.
    func subscriptions(of topic: TopicName) async throws -> [SubscriptionInfo]

    /// - Throws: `EventStoreError.subscriptionNotFound`.
    func subscription(_ id: SubscriptionID, of topic: TopicName) async throws -> SubscriptionInfo
}
