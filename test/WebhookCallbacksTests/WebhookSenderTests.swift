import EventStoreCore
import EventStoreTesting
import Foundation
import NIOPosix
import Testing

@testable import WebhookCallbacks

@Suite struct WebhookSenderTests {
    static let threadPool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        return pool
    }()

    func sender(deny: [String]) throws -> WebhookSender {
        WebhookSender(policy: try DestinationPolicy(deny: deny), threadPool: Self.threadPool, userAgent: "test")
    }

    @Test func aRefusedDestinationIsACallbackRefusedError() async throws {
        let sender = try sender(deny: ["127.0.0.0/8"])
        do {
            try await sender.checkDestination(try CallbackURL("http://127.0.0.1:9/hook"), logger: quietLogger)
            Issue.record("a denied destination was accepted")
        } catch {
            #expect(error.code == .callbackRefused)
            #expect(error.message == "callback_url is refused: address 127.0.0.1 of '127.0.0.1' is denied by the rule '127.0.0.0/8'")
        }
    }

    /// A destination that became forbidden after subscribing (a policy or DNS change) fails each attempt unsent.
    @Test func aDeliveryToARefusedDestinationFailsWithoutSending() async throws {
        let sender = try sender(deny: ["127.0.0.0/8"])
        let callback = Callback(
            messageID: "msg_1",
            subscriptionID: SubscriptionID(),
            topic: try TopicName("orders"),
            url: try CallbackURL("http://127.0.0.1:9/hook"),
            secret: .generate(),
            events: [Event(id: UUID(), offset: 0, type: "A", key: nil, tags: [], data: .null, metadata: [:], timestamp: Date())],
            nextOffset: 1,
            timeout: .seconds(1)
        )
        let outcome = await sender.deliver(callback, logger: quietLogger)
        #expect(
            outcome == .failed(reason: "destination refused: address 127.0.0.1 of '127.0.0.1' is denied by the rule '127.0.0.0/8'", retryAfter: nil)
        )
    }
}
