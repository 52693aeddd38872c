import EventJSON
import EventStoreCore
import Hummingbird
import Logging

/// Webhook subscriptions: `POST /topics/{topic}/subscribe`, `GET /topics/{topic}/subscriptions[/{id}]`,
/// `DELETE /topics/{topic}/subscriptions/{id}`.
struct SubscriptionsController<Context: CallerRequestContext>: Sendable {
    let commands: any SubscriptionCommands
    let queries: any SubscriptionQueries
    let limits: HTTPLimits

    func addRoutes(to router: Router<Context>) {
        router.post("/topics/{topic}/subscribe", use: self.subscribe)
        router.get("/topics/{topic}/subscriptions", use: self.list)
        router.get("/topics/{topic}/subscriptions/{id}", use: self.show)
        router.delete("/topics/{topic}/subscriptions/{id}", use: self.delete)
    }

    @Sendable func subscribe(_ request: Request, context: Context) async throws -> Response {
        let topic = try context.parameters.topicName()
        let from = try nonNegativeInteger(request.uri.queryParameters.get("from"), name: "from") ?? 0
        var request = request
        let body = try await request.collectJSONBody(limit: self.limits.maxBodyBytes)
        var subscribe = try SubscribeRequestDecoder.decode(body, topic: topic, from: from)
        subscribe.owner = context.caller?.name
        let created = try await self.commands.subscribe(subscribe, logger: context.logger)
        var writer = JSONWriter(capacity: 512)
        writer.subscription(created.subscription, secret: created.secret)
        return .json(.created, writer, headers: [.location: "/topics/\(topic)/subscriptions/\(created.subscription.id)"])
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let subscriptions = try await self.queries.subscriptions(of: try context.parameters.topicName()).filter { Self.mayManage($0, context) }
        var writer = JSONWriter(capacity: 64 + 400 * subscriptions.count)
        writer.raw("{")
        writer.key("subscriptions")
        writer.raw("[")
        for (index, subscription) in subscriptions.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.subscription(subscription)
        }
        writer.raw("]}")
        return .json(.ok, writer)
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        let topic = try context.parameters.topicName()
        let subscription = try await self.ownSubscription(context, topic: topic)
        var writer = JSONWriter(capacity: 512)
        writer.subscription(subscription)
        return .json(.ok, writer)
    }

    @Sendable func delete(_ request: Request, context: Context) async throws -> Response {
        let topic = try context.parameters.topicName()
        let subscription = try await self.ownSubscription(context, topic: topic)
        try await self.commands.unsubscribe(subscription.id, from: topic, logger: context.logger)
        return Response(status: .noContent)
    }

    /// Whether the caller may see and end `subscription`: its own, or any for an admin (everyone's without access
    /// control).
    private static func mayManage(_ subscription: SubscriptionInfo, _ context: Context) -> Bool {
        guard let caller = context.caller, caller.role < .admin else { return true }
        return subscription.owner == caller.name
    }

    /// The subscription of the `{id}` path parameter, if the caller may manage it; others are not found.
    private func ownSubscription(_ context: Context, topic: TopicName) async throws -> SubscriptionInfo {
        let id = try Self.id(context.parameters, topic: topic)
        let subscription = try await self.queries.subscription(id, of: topic)
        guard Self.mayManage(subscription, context) else {
            throw EventStoreError(.subscriptionNotFound, "topic '\(topic)' has no subscription '\(id)'")
        }
        return subscription
    }

    /// The `{id}` path parameter; text that cannot be an id names no subscription.
    private static func id(_ parameters: Parameters, topic: TopicName) throws -> SubscriptionID {
        let text = try parameters.require("id")
        guard let id = SubscriptionID(text) else {
            throw EventStoreError(.subscriptionNotFound, "topic '\(topic)' has no subscription '\(text.prefix(64))'")
        }
        return id
    }
}
