import EventJSON
import EventStoreCore
import EventWire
import HTTPTypes
import Hummingbird
import Logging

/// The data plane: publishing and reading a topic's events.
struct EventsController<Context: RequestContext>: Sendable {
    let commands: any EventCommands
    let queries: any EventQueries
    let streams: any EventStreamQueries
    let limits: HTTPLimits
    let streamLimits: StreamLimits
    /// The page size used when a read names no `limit`.
    let defaultPageSize: Int

    func addRoutes(to router: Router<Context>) {
        router.post("/topics/{topic}/events", use: self.publish)
        router.get("/topics/{topic}/events", use: self.read)
        router.get("/topics/{topic}/events/stream", use: self.stream)
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
        let filter = Self.filter(request)
        let wait = try nonNegativeInteger(parameters.get("wait"), name: "wait").map { Duration.seconds($0) }
        let page = try await self.queries.readEvents(
            EventQuery(topic: topic, from: from, limit: limit, filter: filter, wait: wait),
            logger: context.logger
        )
        var writer = JSONWriter(capacity: 64 + 400 * page.events.count)
        writer.eventPage(page, topic: topic)
        return .json(.ok, writer)
    }

    /// Server-Sent Events: one SSE event per stored event (`id:` its offset, `data:` the event as a read shows it),
    /// catch-up from `from` (or after `Last-Event-ID`) then live; a comment as heartbeat; `event: end` when the topic
    /// is deleted. The follower fills a bounded buffer that this request's task drains to the client.
    @Sendable func stream(_ request: Request, context: Context) async throws -> Response {
        let topic = try context.parameters.topicName()
        let parameters = request.uri.queryParameters
        var from = try nonNegativeInteger(parameters.get("from"), name: "from") ?? 0
        if let lastEventID = request.headers[HTTPField.Name.lastEventID] {
            guard let last = try nonNegativeInteger(lastEventID, name: "Last-Event-ID"), last < .max else {
                throw EventStoreError(.invalidArgument, "Last-Event-ID must be an event's offset")
            }
            from = last + 1
        }
        let query = EventStreamQuery(topic: topic, from: from, filter: Self.filter(request), heartbeat: self.streamLimits.heartbeat)
        // The topic and the filter are checked before the stream answers 200.
        try self.streams.check(query)
        let streams = self.streams
        let limit = self.streamLimits.maxBufferedBytes
        let logger = context.logger
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream"
        headers[.cacheControl] = "no-cache"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            let buffer = StreamBuffer(limit: limit)
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    do {
                        try await streams.streamEvents(query, logger: logger) { item in try buffer.append(Self.encode(item, topic: topic)) }
                        buffer.finish()
                    } catch {
                        buffer.finish(error)
                    }
                }
                do {
                    while let chunks = try await buffer.next() {
                        for chunk in chunks { try await writer.write(chunk) }
                    }
                } catch {
                    group.cancelAll()
                    if error is StreamBuffer.ReaderTooSlow {
                        logger.notice("An event stream's client read too slowly; disconnected", metadata: ["topic": "\(topic)"])
                    }
                    throw error
                }
            }
            try await writer.finish(nil)
        })
    }

    /// An item in the SSE format.
    static func encode(_ item: EventStreamItem, topic: TopicName) -> ByteBuffer {
        var writer = JSONWriter(capacity: 512)
        switch item {
        case .events(let events):
            for event in events {
                writer.raw("id: ")
                writer.int(event.offset)
                writer.raw("\ndata: ")
                writer.event(event, topic: topic)
                writer.raw("\n\n")
            }
        case .heartbeat:
            writer.raw(": heartbeat\n\n")
        case .end:
            writer.raw("event: end\ndata: {\"reason\":\"the topic was deleted\"}\n\n")
        }
        return writer.buffer
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

    /// The read filters of a query: `type`, `key`, `tag`, each repeatable.
    private static func filter(_ request: Request) -> EventFilter {
        let parameters = request.uri.queryParameters
        return EventFilter(types: Self.values(parameters.getAll("type")), keys: Self.values(parameters.getAll("key")), tags: Self.values(parameters.getAll("tag")))
    }

    private static func values(_ raw: [String]) -> [String] {
        raw.filter { !$0.isEmpty }
    }
}

extension HTTPField.Name {
    /// Where an `EventSource` resumes: the `id` of the last event it received.
    static let lastEventID = HTTPField.Name("Last-Event-ID")!
}
