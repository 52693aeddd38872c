import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// A real HTTP receiver on 127.0.0.1 for callbacks: it records every request it gets at `/hooks/{name}` and answers
/// as the test says.
final class WebhookReceiver: Sendable {
    /// One request as it arrived.
    struct Delivery: Sendable {
        var hook: String
        var webhookID: String
        var timestamp: String
        var signature: String
        var body: String
        var receivedAt: ContinuousClock.Instant
        /// The status the receiver answered with.
        var status = 0

        /// Whether the receiver acknowledged this request.
        var acknowledged: Bool { (200..<300).contains(self.status) }

        /// The body's fields.
        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(self.body.utf8))) as? [String: Any] ?? [:]
        }

        /// The offsets of the events carried.
        var offsets: [Int] {
            (self.json["events"] as? [[String: Any]] ?? []).compactMap { $0["offset"] as? Int }
        }
    }

    /// How to answer: a status and headers, after an optional delay.
    struct Answer: Sendable {
        var status: HTTPResponse.Status = .noContent
        var headers: HTTPFields = [:]
        var delay: Duration = .zero
    }

    /// Chooses the answer to the `attempt`-th request (from 1) carrying this `webhook-id` at this hook.
    typealias Behaviour = @Sendable (_ delivery: Delivery, _ attempt: Int) -> Answer

    private let deliveries = Mutex<[Delivery]>([])
    private let behaviours = Mutex<[String: Behaviour]>([:])
    private let group: ServiceGroup
    private let runTask: Task<Void, any Error>
    let port: Int

    /// Starts a receiver and waits until it listens.
    static func start() async throws -> WebhookReceiver {
        let (stream, continuation) = AsyncStream.makeStream(of: Int.self)
        let state = Mutex<WebhookReceiver?>(nil)
        let router = Router()
        router.post("/hooks/{name}") { request, context -> Response in
            guard let receiver = state.withLock({ $0 }) else { return Response(status: .serviceUnavailable) }
            return try await receiver.handle(request, hook: context.parameters.require("name"))
        }
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0), serverName: nil),
            onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) },
            logger: Logger(label: "receiver", factory: { _ in SwiftLogNoOpLogHandler() })
        )
        let group = ServiceGroup(
            configuration: .init(
                services: [app],
                gracefulShutdownSignals: [],
                logger: Logger(label: "receiver", factory: { _ in SwiftLogNoOpLogHandler() })
            )
        )
        let runTask = Task { try await group.run() }
        var iterator = stream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        let receiver = WebhookReceiver(group: group, runTask: runTask, port: port)
        state.withLock { $0 = receiver }
        return receiver
    }

    private init(group: ServiceGroup, runTask: Task<Void, any Error>, port: Int) {
        self.group = group
        self.runTask = runTask
        self.port = port
    }

    /// The callback URL of a hook.
    func url(_ hook: String) -> String { "http://127.0.0.1:\(self.port)/hooks/\(hook)" }

    /// Sets how a hook answers (2xx by default).
    func behave(_ hook: String, _ behaviour: @escaping Behaviour) {
        self.behaviours.withLock { $0[hook] = behaviour }
    }

    /// Every request a hook got, in arrival order.
    func received(_ hook: String) -> [Delivery] {
        self.deliveries.withLock { $0.filter { $0.hook == hook } }
    }

    /// The offsets a hook acknowledged (answered 2xx for), in order.
    func acknowledgedOffsets(_ hook: String) -> [Int] {
        self.deliveries.withLock { deliveries in
            deliveries.filter { $0.hook == hook && $0.acknowledged }.flatMap(\.offsets)
        }
    }

    /// Starts a receiver, runs `body` with it, and stops it whether `body` returns or throws.
    static func with<T>(_ body: (WebhookReceiver) async throws -> T) async throws -> T {
        let receiver = try await Self.start()
        do {
            let result = try await body(receiver)
            await receiver.stop()
            return result
        } catch {
            await receiver.stop()
            throw error
        }
    }

    func stop() async {
        await self.group.triggerGracefulShutdown()
        _ = await self.runTask.result
    }

    private func handle(_ request: Request, hook: String) async throws -> Response {
        let body = try await request.body.collect(upTo: 64 << 20)
        var delivery = Delivery(
            hook: hook,
            webhookID: request.headers[HTTPField.Name("webhook-id")!] ?? "",
            timestamp: request.headers[HTTPField.Name("webhook-timestamp")!] ?? "",
            signature: request.headers[HTTPField.Name("webhook-signature")!] ?? "",
            body: String(buffer: body),
            receivedAt: .now
        )
        let attempt = self.deliveries.withLock { deliveries in
            deliveries.filter { $0.hook == hook && $0.webhookID == delivery.webhookID }.count + 1
        }
        let behaviour = self.behaviours.withLock { $0[hook] }
        let answer = behaviour?(delivery, attempt) ?? Answer()
        delivery.status = Int(answer.status.code)
        self.deliveries.withLock { $0.append(delivery) }
        if answer.delay > .zero { try await Task.sleep(for: answer.delay) }
        return Response(status: answer.status, headers: answer.headers)
    }
}
