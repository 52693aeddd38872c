import EventStoreCore
import Hummingbird
import Logging

/// Operations endpoints: `GET /health`, `GET /metrics`, `GET /openapi.yaml`.
struct ServiceController<Context: RequestContext>: Sendable {
    let topics: any TopicQueries
    let version: String
    let startedAt: ContinuousClock.Instant
    /// Renders the metrics registry in the Prometheus text format.
    let renderMetrics: @Sendable () -> [UInt8]

    func addRoutes(to router: Router<Context>) {
        router.get("/health", use: self.health)
        router.get("/metrics", use: self.metrics)
        router.get("/openapi.yaml", use: self.openAPI)
    }

    @Sendable func health(_ request: Request, context: Context) async throws -> Response {
        let health = await self.topics.health(logger: context.logger)
        let uptime = ContinuousClock.now - self.startedAt
        var writer = JSONWriter()
        writer.raw("{")
        writer.key("status")
        writer.string(health.isHealthy ? "ok" : "degraded")
        writer.raw(",")
        writer.key("version")
        writer.string(self.version)
        writer.raw(",")
        writer.key("uptime_seconds")
        writer.int(uptime.components.seconds)
        writer.raw(",")
        writer.key("topics")
        writer.raw("[")
        for (index, topic) in health.topics.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.raw("{")
            writer.key("name")
            writer.string(topic.name.rawValue)
            writer.raw(",")
            writer.key("adapter")
            writer.string(topic.adapter.rawValue)
            writer.raw(",")
            writer.topicState(topic.state)
            writer.raw("}")
        }
        writer.raw("]}")
        return .json(health.isHealthy ? .ok : .serviceUnavailable, writer)
    }

    @Sendable func metrics(_ request: Request, context: Context) async throws -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: self.renderMetrics()))
        )
    }

    @Sendable func openAPI(_ request: Request, context: Context) async throws -> Response {
        Response(
            status: .ok,
            headers: [.contentType: "application/yaml; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml))
        )
    }
}
