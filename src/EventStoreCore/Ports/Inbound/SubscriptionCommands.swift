public import Logging

/// Starting and stopping webhook subscriptions.
public protocol SubscriptionCommands: Sendable {
    /// Starts delivering the topic's events from `request.from` to the callback URL.
    /// - Throws: `EventStoreError.invalidArgument` for a malformed request or URL, `.callbackRefused` when the
    ///   delivery policy forbids the URL's destination, `.limitExceeded` when the service holds its maximum number
    ///   of subscriptions, `.topicNotFound`.
    func subscribe(_ request: SubscriptionRequest, logger: Logger) async throws -> SubscriptionCreated

    /// Stops a subscription at once (an in-flight callback is abandoned) and forgets it.
    /// - Throws: `EventStoreError.subscriptionNotFound`.
    func unsubscribe(_ id: SubscriptionID, from topic: TopicName, logger: Logger) async throws
}
