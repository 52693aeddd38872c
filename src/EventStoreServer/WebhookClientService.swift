import ServiceLifecycle
import WebhookCallbacks

/// Owns the webhook sender's HTTP client: closes it at graceful shutdown, after the subscriptions that use it stopped
/// (it is listed before them, and a service group ends its services in reverse order).
struct WebhookClientService: Service {
    let sender: WebhookSender

    func run() async throws {
        try? await gracefulShutdown()
        try await self.sender.shutdown()
    }
}
