public import EventStoreCore
public import Hummingbird

/// The request context of every route.
public typealias AppRequestContext = EventStoreRequestContext

/// Builds the REST API's router: the inbound adapter over the core's inbound ports.
public enum EventStoreRouter {
    /// What the API needs from the rest of the service.
    public struct Dependencies: Sendable {
        public var topicCommands: any TopicCommands
        public var topicQueries: any TopicQueries
        public var eventCommands: any EventCommands
        public var eventQueries: any EventQueries
        public var eventStreams: any EventStreamQueries
        public var subscriptionCommands: any SubscriptionCommands
        public var subscriptionQueries: any SubscriptionQueries
        public var projectionCommands: any ProjectionCommands
        public var projectionQueries: any ProjectionQueries
        public var limits: HTTPLimits
        public var streamLimits: StreamLimits
        /// The `limit` of a read that names none.
        public var defaultPageSize: Int
        /// The version `GET /health` reports.
        public var version: String
        /// Renders the metrics registry in the Prometheus text format for `GET /metrics`.
        public var renderMetrics: @Sendable () -> [UInt8]
        /// Who may do what; open by default.
        public var access: AccessPolicy

        public init(
            topicCommands: any TopicCommands,
            topicQueries: any TopicQueries,
            eventCommands: any EventCommands,
            eventQueries: any EventQueries,
            eventStreams: any EventStreamQueries,
            subscriptionCommands: any SubscriptionCommands,
            subscriptionQueries: any SubscriptionQueries,
            projectionCommands: any ProjectionCommands,
            projectionQueries: any ProjectionQueries,
            limits: HTTPLimits,
            streamLimits: StreamLimits = StreamLimits(),
            defaultPageSize: Int,
            version: String,
            renderMetrics: @escaping @Sendable () -> [UInt8],
            access: AccessPolicy = .open
        ) {
            self.topicCommands = topicCommands
            self.topicQueries = topicQueries
            self.eventCommands = eventCommands
            self.eventQueries = eventQueries
            self.eventStreams = eventStreams
            self.subscriptionCommands = subscriptionCommands
            self.subscriptionQueries = subscriptionQueries
            self.projectionCommands = projectionCommands
            self.projectionQueries = projectionQueries
            self.limits = limits
            self.streamLimits = streamLimits
            self.defaultPageSize = defaultPageSize
            self.version = version
            self.renderMetrics = renderMetrics
            self.access = access
        }
    }

    /// A router serving every route of the API, errors as problem+json.
    /// - Parameter middlewares: added before the routes, after the problem middleware (e.g. request metrics, so
    ///   they see the final status).
    public static func build(
        _ dependencies: Dependencies,
        middlewares: [any MiddlewareProtocol<Request, Response, AppRequestContext>] = []
    ) -> Router<AppRequestContext> {
        typealias Context = AppRequestContext
        let router = Router(context: Context.self)
        for middleware in middlewares {
            router.add(middleware: middleware)
        }
        let routeTable = RouteTable()
        router.add(middleware: ProblemMiddleware(routes: routeTable))
        router.add(middleware: AuthorizationMiddleware(policy: dependencies.access))
        ServiceController<Context>(
            topics: dependencies.topicQueries,
            accessControlled: dependencies.access.tokens != nil,
            version: dependencies.version,
            startedAt: .now,
            renderMetrics: dependencies.renderMetrics
        ).addRoutes(to: router)
        TopicsController<Context>(commands: dependencies.topicCommands, queries: dependencies.topicQueries, limits: dependencies.limits)
            .addRoutes(to: router)
        EventsController<Context>(
            commands: dependencies.eventCommands,
            queries: dependencies.eventQueries,
            streams: dependencies.eventStreams,
            limits: dependencies.limits,
            streamLimits: dependencies.streamLimits,
            defaultPageSize: dependencies.defaultPageSize
        ).addRoutes(to: router)
        SubscriptionsController<Context>(
            commands: dependencies.subscriptionCommands,
            queries: dependencies.subscriptionQueries,
            limits: dependencies.limits
        ).addRoutes(to: router)
        ProjectionsController<Context>(
            commands: dependencies.projectionCommands,
            queries: dependencies.projectionQueries,
            limits: dependencies.limits
        ).addRoutes(to: router)
        ConsoleController<Context>().addRoutes(to: router)
        routeTable.load(router.routes.map { (method: $0.method, path: $0.path.description) })
        return router
    }
}
