import EventJSON
import EventStoreCore
import Hummingbird
import Logging

/// Operations endpoints: `GET /health`, `GET /health/live`, `GET /metrics`, `GET /openapi.yaml`.
struct ServiceController<Context: CallerRequestContext>: Sendable {
    let topics: any TopicQueries
    /// Whether access control is on: then `/health` lists only the topics the caller's token may use (none
    /// without a token), so topic names do not leak to anyone who can reach the port.
    let accessControlled: Bool
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
        let shown = health.topics.filter { topic in
            guard self.accessControlled else { return true }
            return context.caller?.mayUse(topic.name) ?? false
        }
        let uptime = ContinuousClock.now - self.startedAt
        var writer = JSONWriter()
        writer.health(health, showing: shown, version: self.version, uptimeSeconds: uptime.components.seconds)
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
