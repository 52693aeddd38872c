import EventJSON
import EventStoreCore
import Hummingbird
import Logging

/// Projections, the query side: `POST/GET /topics/{topic}/projections`, `GET/DELETE .../projections/{name}`,
/// `GET .../projections/{name}/entries/{key}`, `POST .../projections/{name}/rebuild`.
struct ProjectionsController<Context: CallerRequestContext>: Sendable {
    let commands: any ProjectionCommands
    let queries: any ProjectionQueries
    let limits: HTTPLimits

    /// The largest page of entries.
    static var maxLimit: Int { 1000 }
    /// The longest `after`, `prefix` or key, in bytes.
    static var maxKeyBytes: Int { 4096 }

    func addRoutes(to router: Router<Context>) {
        router.post("/topics/{topic}/projections", use: self.create)
        router.get("/topics/{topic}/projections", use: self.list)
        router.get("/topics/{topic}/projections/{name}", use: self.show)
        router.delete("/topics/{topic}/projections/{name}", use: self.delete)
        router.get("/topics/{topic}/projections/{name}/entries/{key}", use: self.entry)
        router.post("/topics/{topic}/projections/{name}/rebuild", use: self.rebuild)
    }

    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        let topic = try context.parameters.topicName()
        var request = request
        let body = try await request.collectJSONBody(limit: self.limits.maxBodyBytes)
        let definition = try TopicsController<Context>.decode(ProjectionDefinition.self, from: body, what: "a projection definition")
        let info = try await self.commands.addProjection(definition, to: topic, logger: context.logger)
        var writer = JSONWriter(capacity: 256)
        writer.projectionInfo(info)
        return .json(.created, writer, headers: [.location: "/topics/\(topic)/projections/\(definition.name)"])
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let projections = try await self.queries.listProjections(of: try context.parameters.topicName(), logger: context.logger)
        var writer = JSONWriter(capacity: 64 + 300 * projections.count)
        writer.raw("{")
        writer.key("projections")
        writer.raw("[")
        for (index, projection) in projections.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.projectionInfo(projection)
        }
        writer.raw("]}")
        return .json(.ok, writer)
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        let query = try Self.query(request, context)
        let view = try await self.queries.projection(query, logger: context.logger)
        var writer = JSONWriter(capacity: 1024)
        writer.projectionView(view)
        return .json(.ok, writer)
    }

    @Sendable func entry(_ request: Request, context: Context) async throws -> Response {
        let query = try Self.query(request, context)
        let key = try Self.key(try context.parameters.require("key"))
        let (info, value) = try await self.queries.projectionEntry(key, query: query, logger: context.logger)
        var writer = JSONWriter(capacity: 256 + value.bytes.count)
        writer.raw("{")
        writer.key("key")
        writer.string(key.text)
        writer.raw(",")
        writer.key("value")
        writer.raw(value.bytes)
        writer.raw(",")
        writer.key("checkpoint")
        writer.int(info.checkpoint)
        writer.raw(",")
        writer.key("lag")
        writer.int(info.lag)
        writer.raw(",")
        writer.key("generation")
        writer.int(info.generation)
        writer.raw("}")
        return .json(.ok, writer)
    }

    @Sendable func delete(_ request: Request, context: Context) async throws -> Response {
        let topic = try context.parameters.topicName()
        try await self.commands.removeProjection(try Self.name(context.parameters), from: topic, logger: context.logger)
        return Response(status: .noContent)
    }

    @Sendable func rebuild(_ request: Request, context: Context) async throws -> Response {
        let topic = try context.parameters.topicName()
        let info = try await self.commands.rebuildProjection(try Self.name(context.parameters), of: topic, logger: context.logger)
        var writer = JSONWriter(capacity: 256)
        writer.projectionInfo(info)
        return .json(.accepted, writer)
    }

    /// The query of the path and the parameters `after`, `prefix`, `limit`, `min_checkpoint`, `wait` (seconds).
    private static func query(_ request: Request, _ context: Context) throws -> ProjectionQuery {
        let parameters = request.uri.queryParameters
        let limit = try nonNegativeInteger(parameters.get("limit"), name: "limit") ?? 100
        guard (1...Int64(Self.maxLimit)).contains(limit) else {
            throw EventStoreError(.invalidArgument, "limit must be between 1 and \(Self.maxLimit)")
        }
        let wait = try nonNegativeInteger(parameters.get("wait"), name: "wait")
        return ProjectionQuery(
            topic: try context.parameters.topicName(),
            name: try Self.name(context.parameters),
            after: try parameters.get("after").map { try Self.bounded($0, "after") }.map(ProjectionKey.init),
            prefix: try Self.bounded(parameters.get("prefix") ?? "", "prefix"),
            limit: Int(limit),
            minCheckpoint: try nonNegativeInteger(parameters.get("min_checkpoint"), name: "min_checkpoint"),
            wait: try wait.map { seconds throws(EventStoreError) in
                guard seconds <= 86_400 else { throw EventStoreError(.invalidArgument, "wait must be at most 86400 seconds") }
                return .seconds(seconds)
            }
        )
    }

    /// The `{name}` path parameter as a validated projection name.
    private static func name(_ parameters: Parameters) throws -> ProjectionName {
        try ProjectionName(try parameters.require("name"))
    }

    /// The `{key}` path parameter, percent-decoded.
    static func key(_ encoded: String) throws(EventStoreError) -> ProjectionKey {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(encoded.utf8.count)
        var iterator = encoded.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(Self.hexValue), let low = iterator.next().flatMap(Self.hexValue) else {
                throw EventStoreError(.invalidArgument, "the key has a '%' not followed by two hex digits")
            }
            bytes.append(high << 4 | low)
        }
        guard let key = String(validating: bytes, as: UTF8.self) else {
            throw EventStoreError(.invalidArgument, "the key is not valid UTF-8 once percent-decoded")
        }
        return ProjectionKey(try Self.bounded(key, "key"))
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func bounded(_ text: String, _ name: String) throws(EventStoreError) -> String {
        guard text.utf8.count <= Self.maxKeyBytes else {
            throw EventStoreError(.invalidArgument, "\(name) is longer than \(Self.maxKeyBytes) bytes")
        }
        return text
    }
}
