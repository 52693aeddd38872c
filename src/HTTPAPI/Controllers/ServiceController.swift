import EventJSON
import EventStoreCore
import Hummingbird
import Logging

/// Operations endpoints: `GET /health`, `GET /health/live`, `GET /metrics`, `GET /openapi.yaml`.
struct ServiceController<Context: RequestContext>: Sendable {
    let topics: any TopicQueries
    let version: String
    let startedAt: ContinuousClock.Instant
    /// Renders the metrics registry in the Prometheus text format.
    let renderMetrics: @Sendable () -> [UInt8]

    func addRoutes(to router: Router<Context>) {
        router.get("/health", use: self.health)
        router.get("/health/live", use: self.live)
        router.get("/metrics", use: self.metrics)
        router.get("/openapi.yaml", use: self.openAPI)
    }

    @Sendable func health(_ request: Request, context: Context) async throws -> Response {
        let health = await self.topics.health(logger: context.logger)
        let uptime = ContinuousClock.now - self.startedAt
        var writer = JSONWriter()
        writer.health(health, version: self.version, uptimeSeconds: uptime.components.seconds)
        return .json(health.isHealthy ? .ok : .serviceUnavailable, writer)
    }

    /// The process answers: no storage is asked (a liveness probe).
    @Sendable func live(_ request: Request, context: Context) async throws -> Response {
        var writer = JSONWriter(capacity: 32)
        writer.raw(#"{"status":"ok"}"#)
        return .json(.ok, writer)
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
