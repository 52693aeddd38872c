import EventJSON
import EventStoreCore
import EventWire
import Hummingbird
import Logging

/// The data plane: publishing and reading a topic's events.
struct EventsController<Context: RequestContext>: Sendable {
    let commands: any EventCommands
    let queries: any EventQueries
    let limits: HTTPLimits
    /// The page size used when a read names no `limit`.
    let defaultPageSize: Int

    func addRoutes(to router: Router<Context>) {
        router.post("/topics/{topic}/events", use: self.publish)
        router.get("/topics/{topic}/events", use: self.read)
        router.get("/topics/{topic}/events/{offset}", use: self.readOne)
    }

    @Sendable func publish(_ request: Request, context: Context) async throws -> Response {
        let topic = try context.parameters.topicName()
        var request = request
        let body = try await request.collectJSONBody(limit: self.limits.maxBodyBytes)
        let decoded = try PublishRequestDecoder.decode(body)
        let result = try await self.commands.publish(decoded.events, condition: decoded.condition, to: topic, logger: context.logger)
        var writer = JSONWriter(capacity: 64 + 80 * result.entries.count)
        writer.appendResult(result)
        return .json(result.storedAny ? .created : .ok, writer)
    }

    @Sendable func read(_ request: Request, context: Context) async throws -> Response {
        let topic = try context.parameters.topicName()
        let parameters = request.uri.queryParameters
        let from = try nonNegativeInteger(parameters.get("from"), name: "from") ?? 0
        let limit = try nonNegativeInteger(parameters.get("limit"), name: "limit").map(Int.init) ?? self.defaultPageSize
        let filter = EventFilter(
            types: Self.values(parameters.getAll("type")),
            keys: Self.values(parameters.getAll("key")),
            tags: Self.values(parameters.getAll("tag"))
        )
        let wait = try nonNegativeInteger(parameters.get("wait"), name: "wait").map { Duration.seconds($0) }
        let page = try await self.queries.readEvents(
            EventQuery(topic: topic, from: from, limit: limit, filter: filter, wait: wait),
            logger: context.logger
        )
        var writer = JSONWriter(capacity: 64 + 400 * page.events.count)
        writer.eventPage(page, topic: topic)
        return .json(.ok, writer)
    }

    @Sendable func readOne(_ request: Request, context: Context) async throws -> Response {
        let topic = try context.parameters.topicName()
        guard let offset = try nonNegativeInteger(context.parameters.get("offset"), name: "offset") else {
            throw EventStoreError(.invalidArgument, "offset is required")
        }
        let event = try await self.queries.readEvent(at: offset, in: topic, logger: context.logger)
        var writer = JSONWriter(capacity: 512)
        writer.event(event, topic: topic)
        return .json(.ok, writer)
    }

    private static func values(_ raw: [String]) -> [String] {
        raw.filter { !$0.isEmpty }
    }
}
