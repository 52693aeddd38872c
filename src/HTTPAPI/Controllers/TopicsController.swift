import EventJSON
import EventStoreCore
import Hummingbird
import Logging

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The control plane: `POST/GET /topics`, `GET/DELETE /topics/{topic}`.
struct TopicsController<Context: CallerRequestContext>: Sendable {
    let commands: any TopicCommands
    let queries: any TopicQueries
    let limits: HTTPLimits

    func addRoutes(to router: Router<Context>) {
        router.post("/topics", use: self.create)
        router.get("/topics", use: self.list)
        router.get("/topics/{topic}", use: self.show)
        router.delete("/topics/{topic}", use: self.delete)
    }

    @Sendable func create(_ request: Request, context: Context) async throws -> Response {
        var request = request
        let body = try await request.collectJSONBody(limit: self.limits.maxBodyBytes)
        let configuration = try Self.decodeConfiguration(body)
        if let caller = context.caller, !caller.mayUse(configuration.name) {
            throw APIProblem.forbidden("the token may not use topic '\(configuration.name)'")
        }
        let creation = try await self.commands.createTopic(configuration, logger: context.logger)
        var writer = JSONWriter()
        writer.topic(creation.topic)
        if creation.created {
            return .json(.created, writer, headers: [.location: "/topics/\(configuration.name)"])
        }
        return .json(.ok, writer)
    }

    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let topics = await self.queries.listTopics(logger: context.logger).filter { context.caller?.mayUse($0.configuration.name) ?? true }
        var writer = JSONWriter()
        writer.raw("{")
        writer.key("topics")
        writer.raw("[")
        for (index, topic) in topics.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.topic(topic)
        }
        writer.raw("]}")
        return .json(.ok, writer)
    }

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        let topic = try await self.queries.topic(named: try context.parameters.topicName(), logger: context.logger)
        var writer = JSONWriter()
        writer.topic(topic)
        return .json(.ok, writer)
    }

    @Sendable func delete(_ request: Request, context: Context) async throws -> Response {
        try await self.commands.deleteTopic(try context.parameters.topicName(), logger: context.logger)
        return Response(status: .noContent)
    }

    /// Decodes a topic configuration in the client's format, with messages that name the offending field.
    static func decodeConfiguration(_ body: [UInt8]) throws(EventStoreError) -> TopicConfiguration {
        try Self.decode(TopicConfiguration.self, from: body, what: "a topic configuration")
    }

    /// Decodes a request body, with messages that name the offending field; `what` names the whole.
    static func decode<Value: Decodable>(_ type: Value.Type, from body: [UInt8], what: String) throws(EventStoreError) -> Value {
        do {
            return try JSONDecoder().decode(type, from: Data(body))
        } catch let error as DecodingError {
            throw EventStoreError(.invalidArgument, Self.describe(error, what: what))
        } catch let error as EventStoreError {
            throw error
        } catch {
            throw EventStoreError(.invalidArgument, "the body is not \(what)")
        }
    }

    private static func describe(_ error: DecodingError, what: String) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map(\.stringValue).joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context.codingPath)
            return "missing field '\(parent.isEmpty ? "" : parent + ".")\(key.stringValue)'"
        case .typeMismatch(let type, let context):
            let field = path(context.codingPath)
            if field.isEmpty { return "the body must be a JSON object (\(what))" }
            return "field '\(field)' must be \(type == String.self ? "a string" : "of type \(type)")"
        case .valueNotFound(_, let context):
            return "field '\(path(context.codingPath))' must not be null"
        case .dataCorrupted(let context):
            let field = path(context.codingPath)
            if context.underlyingError != nil || field.isEmpty && !context.debugDescription.hasPrefix("unknown field") {
                return field.isEmpty ? "the body is not valid JSON" : "field '\(field)': \(context.debugDescription)"
            }
            return field.isEmpty ? context.debugDescription : "field '\(field)': \(context.debugDescription)"
        @unknown default:
            return "the body is not \(what)"
        }
    }
}
