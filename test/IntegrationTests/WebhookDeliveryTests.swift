import EventStoreTesting
import Foundation
import HTTPTypes
import NIOHTTP1
import Testing

/// Webhook subscriptions against a live server and a real receiver on 127.0.0.1.
@Suite("Webhook delivery, live server", .serialized)
struct WebhookDeliveryTests {
    /// Short backoff so retries happen within a test.
    static let quickRetries = ["--webhook-backoff-base", "0.05", "--webhook-backoff-cap", "0.2"]

    struct Subscribed {
        var id: String
        var secret: String
    }

    /// Runs `body` with a server (with `arguments`) holding the memory topic `orders`.
    func withServer(_ arguments: [String] = [], _ body: (ServerProcess) async throws -> Void) async throws {
        try await ServerProcess.with(arguments: Self.quickRetries + arguments) { server in
            try #require(try await server.post("/topics", json: #"{"name": "orders", "adapter": "memory"}"#).status == 201)
            try await body(server)
        }
    }

    /// Runs `body` with a receiver on 127.0.0.1, and a server (with `arguments`) holding the memory topic `orders`
    /// that may call it.
    func withServerAndReceiver(_ arguments: [String] = [], _ body: (ServerProcess, WebhookReceiver) async throws -> Void) async throws {
        try await WebhookReceiver.with { receiver in
            try await self.withServer(["--webhook-allow", "127.0.0.1"] + arguments) { server in try await body(server, receiver) }
        }
    }

    func subscribe(_ server: ServerProcess, _ body: String, from: Int? = nil) async throws -> Subscribed {
        let reply = try await server.post("/topics/orders/subscribe\(from.map { "?from=\($0)" } ?? "")", json: body)
        try #require(reply.status == 201, "\(reply.body)")
        let id = try #require(reply.json["id"] as? String)
        #expect(reply.headers.first(name: "location") == "/topics/orders/subscriptions/\(id)")
        return Subscribed(id: id, secret: try #require(reply.json["secret"] as? String))
    }

    func publish(_ server: ServerProcess, types: [String], key: String? = nil) async throws {
        let events = types.map { type in #"{"type": "\#(type)"\#(key.map { #", "key": "\#($0)""# } ?? "")}"# }
        let reply = try await server.post("/topics/orders/events", json: #"{"events": [\#(events.joined(separator: ","))]}"#)
        try #require(reply.status == 201, "\(reply.body)")
    }

    func subscription(_ server: ServerProcess, _ id: String) async throws -> [String: Any] {
        try await server.get("/topics/orders/subscriptions/\(id)").json
    }

    @Test func catchUpWhilePublishingDeliversEveryEventOnceInOrderSigned() async throws {
        try await withServerAndReceiver { server, receiver in
            for _ in 0..<5 { try await publish(server, types: Array(repeating: "Placed", count: 50)) }

            let subscribed = try await subscribe(server, #"{"callback_url": "\#(receiver.url("all"))"}"#)
            // Publish while the subscription catches up: the switch-over to live delivery must have no gap and no duplicate.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<4 {
                    group.addTask { for _ in 0..<5 { try await self.publish(server, types: Array(repeating: "Paid", count: 10)) } }
                }
                try await group.waitForAll()
            }
            // Delivery is in offset order: once a last event arrives, nothing before it can still come.
            try await publish(server, types: ["Last"])
            try await eventually("451 events acknowledged") { receiver.acknowledgedOffsets("all").last == 450 }

            let deliveries = receiver.received("all")
            #expect(receiver.acknowledgedOffsets("all") == Array(0...450), "every event once, in offset order")
            #expect(deliveries.allSatisfy { $0.offsets.count <= 100 }, "batches hold at most batch_size (default 100)")
            #expect(Set(deliveries.map(\.webhookID)).count == deliveries.count, "one webhook-id per batch")
            let first = try #require(deliveries.first).json
            #expect(first["subscription_id"] as? String == subscribed.id)
            #expect(first["topic"] as? String == "orders")
            #expect(first["next_offset"] as? Int == deliveries[0].offsets.last.map { $0 + 1 })
            let event = try #require((first["events"] as? [[String: Any]])?.first)
            #expect(event["type"] as? String == "Placed" && event["topic"] as? String == "orders" && event["id"] is String)
            for delivery in deliveries {
                let timestamp = try #require(Int(delivery.timestamp))
                #expect(abs(timestamp - Int(Date().timeIntervalSince1970)) < 120)
                #expect(delivery.signature.hasPrefix("v1,"))
            }

            let info = try await subscription(server, subscribed.id)
            #expect(info["state"] as? String == "active")
            #expect(info["cursor"] as? Int == 450)
            #expect(info["position"] as? Int == 451)
            #expect(info["delivered"] as? Int == 451)
            #expect(info["lag"] as? Int == 0)
            #expect(info["consecutive_failures"] as? Int == 0)
            #expect(info["secret"] == nil, "the secret is shown only when subscribing")

            let metrics = try await server.get("/metrics").body
            #expect(metrics.contains(#"eventstore_subscription_events_delivered_total{topic="orders",subscription="\#(subscribed.id)"} 451"#))

            try await ReferenceWebhookVerifier.expectVerified(deliveries, secret: subscribed.secret)
        }
    }

    @Test func aReceiverThatFailsThenRecoversGetsOnlyTheFailedBatchAgainWithItsID() async throws {
        try await withServerAndReceiver { server, receiver in
            try await publish(server, types: ["A", "B", "C", "D", "E", "F"])
            receiver.behave("flaky") { delivery, attempt in
                guard delivery.offsets.first == 2 else { return .init() }
                switch attempt {
                case 1: return .init(status: .internalServerError)
                case 2: return .init(status: .serviceUnavailable, headers: [.retryAfter: "1"])
                default: return .init(status: .ok)
                }
            }
            let subscribed = try await subscribe(server, #"{"callback_url": "\#(receiver.url("flaky"))", "batch_size": 2}"#)
            try await eventually("6 events acknowledged") { receiver.acknowledgedOffsets("flaky").count == 6 }

            let deliveries = receiver.received("flaky")
            #expect(deliveries.map(\.offsets) == [[0, 1], [2, 3], [2, 3], [2, 3], [4, 5]], "only the failed batch is sent again")
            #expect(Set(deliveries[1...3].map(\.webhookID)).count == 1, "retries keep the batch's webhook-id")
            #expect(deliveries[1...3].map(\.body) == Array(repeating: deliveries[1].body, count: 3))
            #expect(deliveries[3].receivedAt - deliveries[2].receivedAt >= .milliseconds(950), "Retry-After: 1 is honoured")
            #expect(receiver.acknowledgedOffsets("flaky") == Array(0..<6))
            let info = try await subscription(server, subscribed.id)
            #expect(info["state"] as? String == "active" && info["consecutive_failures"] as? Int == 0)
            #expect(info["last_error"] is NSNull)
            try await ReferenceWebhookVerifier.expectVerified(deliveries, secret: subscribed.secret)
        }
    }

    /// A receiver that takes 20 s per callback holds up only its own subscription: another one on the same host gets
    /// every event while the slow one still waits for its first answer.
    @Test func aSlowReceiverDelaysNoOtherSubscription() async throws {
        try await withServerAndReceiver(["--webhook-timeout", "30"]) { server, receiver in
            receiver.behave("slow") { _, _ in .init(status: .ok, delay: .seconds(20)) }
            _ = try await subscribe(server, #"{"callback_url": "\#(receiver.url("slow"))", "batch_size": 1}"#)
            _ = try await subscribe(server, #"{"callback_url": "\#(receiver.url("fast"))", "batch_size": 1}"#)
            for index in 0..<3 { try await publish(server, types: ["E\(index)"]) }
            // Waiting behind the slow one would take 20 s a callback.
            try await eventually("the fast receiver has every event", timeout: .seconds(15)) { receiver.acknowledgedOffsets("fast") == [0, 1, 2] }
            try await eventually("the slow receiver has its first callback") { receiver.received("slow").count == 1 }
            #expect(receiver.received("slow").count == 1, "the slow subscription still waits for its first answer")
        }
    }

    @Test func deadGoneRedirectingAndSlowReceivers() async throws {
        try await withServerAndReceiver(["--webhook-max-attempts", "3", "--webhook-timeout", "1"]) { server, receiver in
            try await publish(server, types: ["A", "B"])
            receiver.behave("gone") { _, _ in .init(status: .gone) }
            receiver.behave("redirect") { _, _ in .init(status: .found, headers: [.location: receiver.url("target")]) }
            receiver.behave("slow") { _, _ in .init(status: .ok, delay: .seconds(3)) }

            let dead = try await subscribe(server, #"{"callback_url": "http://127.0.0.1:\#(try LoopbackPort.free())/hooks/nobody"}"#)
            let gone = try await subscribe(server, #"{"callback_url": "\#(receiver.url("gone"))"}"#)
            let redirect = try await subscribe(server, #"{"callback_url": "\#(receiver.url("redirect"))"}"#)
            let slow = try await subscribe(server, #"{"callback_url": "\#(receiver.url("slow"))"}"#)

            try await eventually("the dead receiver's subscription failed") { try await subscription(server, dead.id)["state"] as? String == "failed" }
            let deadInfo = try await subscription(server, dead.id)
            #expect(deadInfo["consecutive_failures"] as? Int == 3)
            #expect((deadInfo["last_error"] as? String)?.contains("gave up after 3 attempts; last: connection refused") == true, "\(deadInfo)")
            #expect(deadInfo["delivered"] as? Int == 0 && deadInfo["cursor"] is NSNull)

            try await eventually("410 ended the subscription") { try await subscription(server, gone.id)["state"] as? String == "ended" }
            #expect(receiver.received("gone").count == 1, "410 ends it at once, without retries")

            try await eventually("the redirecting receiver's subscription failed") {
                try await subscription(server, redirect.id)["state"] as? String == "failed"
            }
            #expect(receiver.received("redirect").count == 3)
            #expect(receiver.received("target").isEmpty, "redirects are not followed")
            #expect((try await subscription(server, redirect.id)["last_error"] as? String)?.contains("302, a redirect") == true)

            try await eventually("the slow receiver's subscription failed") { try await subscription(server, slow.id)["state"] as? String == "failed" }
            #expect((try await subscription(server, slow.id)["last_error"] as? String)?.contains("no answer within 1") == true)

            // Stopped subscriptions stay visible (for the retention period) and publishing was never held up.
            let list = try await server.get("/topics/orders/subscriptions").json["subscriptions"] as? [[String: Any]] ?? []
            #expect(list.compactMap { $0["id"] as? String } == [dead.id, gone.id, redirect.id, slow.id])
            try await publish(server, types: ["C"])
        }
    }

    @Test func filtersAndAStartInTheMiddle() async throws {
        try await withServerAndReceiver { server, receiver in
            try await publish(server, types: ["Placed", "Paid", "Placed"], key: "a")
            try await publish(server, types: ["Placed", "Paid"], key: "b")
            _ = try await subscribe(server, #"{"callback_url": "\#(receiver.url("typed"))?token=s3cret", "types": ["Paid"]}"#)
            let listing = try await server.get("/topics/orders/subscriptions").body
            #expect(listing.contains(#"/hooks/typed?***""#) && !listing.contains("s3cret"), "the receiver's token is masked: \(listing)")
            _ = try await subscribe(server, #"{"callback_url": "\#(receiver.url("keyed"))", "key": "b"}"#)
            _ = try await subscribe(server, #"{"callback_url": "\#(receiver.url("middle"))"}"#, from: 3)
            try await publish(server, types: ["Paid"], key: "a")
            // An event every subscription matches: delivery is in offset order, so once it arrives nothing earlier can.
            try await publish(server, types: ["Paid"], key: "b")

            try await eventually("every filtered subscription got the last event") {
                ["typed", "keyed", "middle"].allSatisfy { receiver.acknowledgedOffsets($0).last == 6 }
            }
            #expect(receiver.acknowledgedOffsets("typed") == [1, 4, 5, 6])
            #expect(receiver.acknowledgedOffsets("keyed") == [3, 4, 6])
            #expect(receiver.acknowledgedOffsets("middle") == [3, 4, 5, 6])
        }
    }

    @Test func aHundredSubscriptionsAtOnceEachGetEverything() async throws {
        try await withServerAndReceiver { server, receiver in
            try await publish(server, types: Array(repeating: "A", count: 100))
            for index in 0..<100 {
                let url = receiver.url("s\(index)")
                _ = try await subscribe(server, #"{"callback_url": "\#(url)", "batch_size": 50}"#)
            }
            try await publish(server, types: Array(repeating: "B", count: 100))
            try await eventually("all 100 subscriptions have 200 events") {
                (0..<100).allSatisfy { receiver.acknowledgedOffsets("s\($0)").count >= 200 }
            }
            for index in 0..<100 {
                #expect(receiver.acknowledgedOffsets("s\(index)") == Array(0..<200), "subscription \(index)")
            }
        }
    }

    @Test func deletingASubscriptionStopsItsDeliveries() async throws {
        try await withServerAndReceiver { server, receiver in
            let subscribed = try await subscribe(server, #"{"callback_url": "\#(receiver.url("stop"))"}"#)
            try await publish(server, types: ["A"])
            try await eventually("the first event arrived") { receiver.acknowledgedOffsets("stop") == [0] }

            let deleted = try await server.request(.DELETE, "/topics/orders/subscriptions/\(subscribed.id)")
            #expect(deleted.status == 204)
            #expect(try await server.get("/topics/orders/subscriptions/\(subscribed.id)").status == 404)
            #expect(try await server.get("/topics/orders/subscriptions").body == #"{"subscriptions":[]}"#)
            // A witness subscribed from the start has more to deliver than the deleted one would: once it has
            // everything, the deleted one would have had time for its two events.
            let witness = try await subscribe(server, #"{"callback_url": "\#(receiver.url("witness"))"}"#)
            try await publish(server, types: ["B", "C"])
            try await eventually("the witness got every event") { receiver.acknowledgedOffsets("witness") == [0, 1, 2] }
            #expect(receiver.received("stop").count == 1, "nothing is delivered after DELETE")
            let listed = try await server.get("/topics/orders/subscriptions").json["subscriptions"] as? [[String: Any]]
            #expect(listed?.compactMap { $0["id"] as? String } == [witness.id])
        }
    }

    @Test func theDeliveryPolicyRefusesDestinations() async throws {
        try await WebhookReceiver.with { receiver in
            // By default only public destinations: loopback is refused in every spelling.
            try await withServer { server in
                for url in [receiver.url("x"), "http://[::]:\(receiver.port)/hooks/x", "http://0.0.0.0:\(receiver.port)/hooks/x", "http://[::127.0.0.1]:1/x"] {
                    let refused = try await server.post("/topics/orders/subscribe", json: #"{"callback_url": "\#(url)"}"#)
                    #expect(refused.status == 422, "\(url): \(refused.body)")
                    #expect((refused.json["detail"] as? String)?.contains("is not public") == true, "\(refused.body)")
                }
                let lineBreak = try await server.post("/topics/orders/subscribe", json: #"{"callback_url": "http://hooks.example.com/\r\nX-Injected: 1"}"#)
                #expect(lineBreak.status == 400, "\(lineBreak.body)")
            }
            try await withServer(["--webhook-deny", "127.0.0.0/8"]) { denying in
                let denied = try await denying.post("/topics/orders/subscribe", json: #"{"callback_url": "\#(receiver.url("x"))"}"#)
                #expect(denied.status == 422)
                #expect(denied.json["type"] as? String == "urn:eventstore:problem:callback-refused")
                #expect((denied.json["detail"] as? String)?.contains("denied by the rule '127.0.0.0/8'") == true, "\(denied.body)")
            }
            try await withServer(["--webhook-allow", "hooks.example.com"]) { allowing in
                let notAllowed = try await allowing.post("/topics/orders/subscribe", json: #"{"callback_url": "\#(receiver.url("x"))"}"#)
                #expect(notAllowed.status == 422)
                #expect((notAllowed.json["detail"] as? String)?.contains("not in the allow list") == true, "\(notAllowed.body)")
                #expect(try await allowing.get("/topics/orders/subscriptions").body == #"{"subscriptions":[]}"#)
            }
            #expect(receiver.received("x").isEmpty)
        }
    }
}
