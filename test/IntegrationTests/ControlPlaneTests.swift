import EventStoreTesting
import Foundation
import NIOCore
import NIOHTTP1
import Testing

@Suite("Control plane, live server", .serialized)
struct ControlPlaneTests {
    @Test func healthReportsStatusVersionUptimeAndTopics() async throws {
        try await ServerProcess.with { server in
            let empty = try await server.get("/health")
            #expect(empty.status == 200)
            #expect(empty.json["status"] as? String == "ok")
            #expect(empty.json["version"] as? String == "0.1.0")
            #expect(empty.json["uptime_seconds"] is Int)
            _ = try await server.post("/topics", json: #"{"name": "orders", "adapter": "memory"}"#)
            let topics = try await server.get("/health").json["topics"] as? [[String: Any]]
            #expect(topics?.first?["name"] as? String == "orders")
            #expect(topics?.first?["adapter"] as? String == "memory")
            #expect(topics?.first?["state"] as? String == "ready")
        }
    }

    @Test func topicLifecycle() async throws {
        try await ServerProcess.with { server in
            let created = try await server.post("/topics", json: #"{"name": "orders", "adapter": "memory"}"#)
            #expect(created.status == 201)
            #expect(created.headers.first(name: "location") == "/topics/orders")
            #expect(created.json["name"] as? String == "orders")
            #expect(created.json["head"] as? Int == 0)
            #expect(created.json["event_count"] as? Int == 0)

            let repeated = try await server.post("/topics", json: #"{"adapter": "memory", "name": "orders"}"#)
            #expect(repeated.status == 200)
            let conflict = try await server.post("/topics", json: #"{"name": "orders", "adapter": "memory", "options": {"x": "1"}}"#)
            #expect(conflict.status == 409)
            #expect(conflict.headers.first(name: "content-type") == "application/problem+json")

            _ = try await server.post("/topics/orders/events", json: #"{"type": "A"}"#)
            let shown = try await server.get("/topics/orders")
            #expect(shown.status == 200)
            #expect(shown.json["head"] as? Int == 1)
            #expect(shown.json["event_count"] as? Int == 1)
            #expect(shown.json["state"] as? String == "ready")

            _ = try await server.post("/topics", json: #"{"name": "audit", "adapter": "memory"}"#)
            let listed = try await server.get("/topics").json["topics"] as? [[String: Any]]
            #expect(listed?.compactMap { $0["name"] as? String } == ["audit", "orders"])

            #expect(try await server.request(.DELETE, "/topics/orders").status == 204)
            #expect(try await server.get("/topics/orders").status == 404)
            #expect(try await server.get("/topics/orders/events").status == 404)
            #expect(try await server.request(.DELETE, "/topics/orders").status == 404)

            // Re-attaching finds the stored events again: deleting detaches, it does not destroy.
            #expect(try await server.post("/topics", json: #"{"name": "orders", "adapter": "memory"}"#).status == 201)
            #expect(try await server.get("/topics/orders").json["head"] as? Int == 1)
        }
    }

    @Test func topicsSurviveARestartAndTheTopicsFileIsLoaded() async throws {
        try await withTemporaryDirectory { directory in
            let topicsFile = directory + "/topics.json"
            try Data(#"[{"name": "declared", "adapter": "memory"}, {"name": "scratch", "adapter": "memory", "options": {"note": "x"}}]"#.utf8)
                .write(to: URL(fileURLWithPath: topicsFile))

            try await ServerProcess.with(dataDirectory: directory, arguments: ["--topics-file", topicsFile]) { first throws in
                #expect(try await first.post("/topics", json: #"{"name": "created", "adapter": "memory"}"#).status == 201)
                #expect(try await first.request(.DELETE, "/topics/scratch").status == 204)
                #expect(try await first.stop() == 0)
            }
            try await ServerProcess.with(dataDirectory: directory) { second in
                let names = try await second.get("/topics").json["topics"] as? [[String: Any]]
                #expect(names?.compactMap { $0["name"] as? String } == ["created", "declared"])
            }
        }
    }

    @Test func aTopicsFileConflictingWithTheCatalogStopsStartup() async throws {
        try await withTemporaryDirectory { directory in
            try await ServerProcess.with(dataDirectory: directory) { first throws in
                #expect(try await first.post("/topics", json: #"{"name": "orders", "adapter": "memory"}"#).status == 201)
            }
            let topicsFile = directory + "/topics.json"
            try Data(#"[{"name": "orders", "adapter": "memory", "options": {"changed": "yes"}}]"#.utf8).write(to: URL(fileURLWithPath: topicsFile))
            let error = await #expect(throws: ServerProcessError.self) {
                try await ServerProcess.with(dataDirectory: directory, arguments: ["--topics-file", topicsFile]) { _ in }
            }
            #expect(String(describing: error).contains("orders"), "\(String(describing: error))")
        }
    }

    @Test func unusableWebhookSettingsStopStartupNamingThem() async throws {
        for (arguments, message) in [
            (["--webhook-deny", "a*.example.com"], "callback rule 'a*.example.com' is not a host name"),
            (["--webhook-timeout", "90000"], "--webhook-timeout must be between 0 and 86400 seconds"),
            (["--webhook-max-attempts", "0"], "--webhook-max-attempts must be in 1..."),
        ] {
            try await ServerProcess.expectStartupFails(arguments: arguments, saying: message)
        }
    }

    @Test func anUnusableCatalogStopsStartupNamingItWithoutItsSecret() async throws {
        let port = try LoopbackPort.free()
        for (catalog, message) in [
            ("mysql://db/events", "catalog must be 'file' (the default) or a postgres:// URL"),
            ("postgres://app:hunter2@127.0.0.1:\(port)/events?connect_timeout=2", "the PostgreSQL topic catalog could not be read"),
        ] {
            do {
                try await ServerProcess.with(arguments: ["--catalog", catalog, "--log-level", "trace"]) { _ in }
                Issue.record("the server started with catalog \(catalog)")
            } catch ServerProcessError.exited(let status, let output) {
                #expect(status != 0)
                #expect(output.contains(message), "\(catalog): \(output)")
                #expect(!output.contains("hunter2"), "\(output)")
            }
        }
    }

    @Test func secretsNeverAppearInResponsesOrLogs() async throws {
        try await ServerProcess.with(arguments: ["--log-level", "trace"]) { server in
            let body = #"{"name": "vault", "adapter": "memory", "options": {"apiKey": "hunter2-secret", "password": "pa55-secret", "region": "eu"}}"#
            let created = try await server.post("/topics", json: body)
            #expect(created.status == 201)
            let responses = [created.body, try await server.get("/topics").body, try await server.get("/topics/vault").body]
            for response in responses {
                #expect(!response.contains("hunter2-secret") && !response.contains("pa55-secret"))
                #expect(response.contains("\"region\":\"eu\""))
            }
            #expect((created.json["options"] as? [String: String])?["apiKey"] == "***")
            #expect(!server.log.contains("hunter2-secret") && !server.log.contains("pa55-secret"))
        }
    }

    /// SIGTERM while a publish is in flight (its head read, half its body sent): the listener closes at once, and the
    /// publish still completes, is acknowledged and is stored; then the server exits cleanly.
    @Test func sigtermFinishesTheRequestInFlightAndRefusesNewConnections() async throws {
        try await withTemporaryDirectory { directory in
            try await ServerProcess.with(dataDirectory: directory) { server in
                try await FileSystemTopicTests.createTopic(server)
                let body = Array(#"{"type": "InFlight", "data": {"note": "sent across the shutdown"}}"#.utf8)
                let (parts, sender) = AsyncStream.makeStream(of: ByteBuffer.self)
                sender.yield(ByteBuffer(bytes: body[..<20]))
                let publish = Task { try await server.request(.POST, "/topics/orders/events", streaming: parts, length: body.count) }
                try await eventually("the server is handling the publish") { try await server.activeRequests("POST") == 1 }

                server.signal(SIGTERM)
                try await eventually("the listener is closed") { !server.acceptsConnections() }
                sender.yield(ByteBuffer(bytes: body[20...]))
                sender.finish()
                let reply = try await publish.value
                #expect(reply.status == 201, "the publish in flight completes: \(reply.body)")
                #expect(try await server.stop() == 0)
                #expect(server.log.contains("eventstore-api stopped"))
            }
            try await ServerProcess.with(dataDirectory: directory) { restarted in
                let events = try await restarted.get("/topics/orders/events").json["events"] as? [[String: Any]]
                #expect(events?.compactMap { $0["type"] as? String } == ["InFlight"], "the acknowledged event is stored")
            }
        }
    }

    /// SIGTERM under load: every publish answered 201 before or during the shutdown is stored at the offset it was
    /// given, every answer that came is whole, waiting reads (a long poll, a projection read) are answered at once
    /// rather than after their 30 s, and the server exits 0.
    @Test func sigtermUnderLoadKeepsEveryAcknowledgedPublishAndEndsWaits() async throws {
        try await withTemporaryDirectory { directory in
            var acknowledged: [String: Int] = [:]
            try await ServerProcess.with(dataDirectory: directory) { server in
                try await FileSystemTopicTests.createTopic(server)
                #expect(try await server.post("/topics/orders/projections", json: #"{"name": "stats", "kind": "stats"}"#).status == 201)
                let poll = Task { try await server.get("/topics/orders/events?from=1000000&wait=30") }
                let projection = Task { try await server.get("/topics/orders/projections/stats?min_checkpoint=1000000&wait=30") }
                // The two waiting reads, and the request that counts them.
                try await eventually("both reads are waiting") { try await server.activeRequests("GET") == 3 }
                let publishers = (0..<8).map { worker in
                    Task { () -> [(String, Int)] in
                        var answered: [(String, Int)] = []
                        for index in 0..<100_000 {
                            let id = UUID().uuidString.lowercased()
                            let reply: ServerProcess.Reply
                            do {
                                // The test's HTTP client retries connecting until the timeout: keep it short.
                                let body = #"{"id": "\#(id)", "type": "W\#(worker)", "data": {"i": \#(index)}}"#
                                reply = try await server.request(.POST, "/topics/orders/events", json: body, timeout: .seconds(5))
                            } catch {
                                break  // the listener closed or the connection ended: no answer, nothing promised
                            }
                            if reply.status == 201 {
                                let offset = try #require(reply.json["first_offset"] as? Int, "a whole answer: \(reply.body)")
                                answered.append((id, offset))
                            } else {
                                #expect(reply.status == 503 || reply.status == 429, "\(reply.status) \(reply.body)")
                            }
                        }
                        return answered
                    }
                }
                try await eventually("publishing is under way") { try await server.get("/topics/orders").json["head"] as? Int ?? 0 > 200 }
                let started = ContinuousClock.now
                #expect(try await server.stop() == 0)
                #expect(ContinuousClock.now - started < .seconds(20), "the shutdown did not wait for the 30 s waits")
                let polled = try await poll.value
                #expect(polled.status == 200 && (polled.json["events"] as? [Any])?.isEmpty == true, "\(polled.status) \(polled.body)")
                let waited = try await projection.value
                #expect(waited.status == 504, "\(waited.body)")
                #expect(waited.body.contains("shutting down"), "\(waited.body)")
                for publisher in publishers {
                    for (id, offset) in try await publisher.value { acknowledged[id] = offset }
                }
            }
            #expect(acknowledged.count > 200)
            try await ServerProcess.with(dataDirectory: directory) { restarted in
                var stored: [String: Int] = [:]
                var from = 0
                while true {
                    let page = try await restarted.get("/topics/orders/events?from=\(from)&limit=10000")
                    let events = page.json["events"] as? [[String: Any]] ?? []
                    for event in events { stored[event["id"] as? String ?? ""] = event["offset"] as? Int }
                    guard let next = page.json["next_offset"] as? Int, !events.isEmpty else { break }
                    from = next
                }
                let lost = acknowledged.filter { stored[$0.key] != $0.value }
                #expect(lost.isEmpty, "\(lost.count) of \(acknowledged.count) acknowledged publishes are not stored at their offset")
            }
        }
    }

    /// A request that never finishes (its body stops half-way) holds the shutdown no longer than --shutdown-timeout:
    /// then it is cancelled, and the server still closes its topics (an fs log and its SQLite projection store,
    /// before the thread pools they use) and exits 0.
    @Test func aStuckRequestHoldsTheShutdownOnlyUntilTheTimeout() async throws {
        try await ServerProcess.with(arguments: ["--shutdown-timeout", "1.5"]) { server in
            try await FileSystemTopicTests.createTopic(server)
            #expect(try await server.post("/topics/orders/projections", json: #"{"name": "stats", "kind": "stats"}"#).status == 201)
            #expect(try await server.post("/topics/orders/events", json: #"{"type": "Before"}"#).status == 201)
            let (parts, sender) = AsyncStream.makeStream(of: ByteBuffer.self)
            sender.yield(ByteBuffer(string: #"{"type": "Nev"#))
            let stuck = Task { try? await server.request(.POST, "/topics/orders/events", streaming: parts, length: 100) }
            try await eventually("the server is handling the publish") { try await server.activeRequests("POST") == 1 }
            let started = ContinuousClock.now
            #expect(try await server.stop() == 0)
            #expect(ContinuousClock.now - started < .seconds(15))
            #expect(server.log.contains("Closed all topics"))
            #expect(!server.log.contains("Closing topic failed"), "\(server.log.suffix(3000))")
            #expect(!server.log.contains("Closing a projection store failed"), "\(server.log.suffix(3000))")
            sender.finish()
            _ = await stuck.value
        }
    }

    @Test func openAPIDocumentIsServed() async throws {
        try await ServerProcess.with { server in
            let document = try await server.get("/openapi.yaml")
            #expect(document.status == 200)
            #expect(document.headers.first(name: "content-type")?.hasPrefix("application/yaml") == true)
            #expect(document.body.hasPrefix("openapi: 3.1.0"))
        }
    }

    @Test func metricsExposeRequestsAndTopicSeries() async throws {
        try await ServerProcess.with { server in
            _ = try await server.post("/topics", json: #"{"name": "orders", "adapter": "memory"}"#)
            _ = try await server.post("/topics/orders/events", json: #"{"events": [{"type": "A"}, {"type": "B"}, {"type": "C"}]}"#)
            _ = try await server.get("/topics/orders/events?limit=2")
            _ = try await server.get("/topics/nope")
            let metrics = try await server.get("/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.headers.first(name: "content-type")?.hasPrefix("text/plain") == true)
            let text = metrics.body
            #expect(text.contains(#"eventstore_events_appended_total{topic="orders"} 3"#))
            #expect(text.contains(#"eventstore_events_read_total{topic="orders"} 2"#))
            #expect(text.contains(#"eventstore_topic_head{topic="orders"} 3"#))
            #expect(text.contains(#"http_route="/topics/{topic}/events",http_request_method="POST",http_response_status_code="201""#))
            #expect(text.contains(#"http_route="/topics/{topic}",http_request_method="GET",http_response_status_code="404""#))
            #expect(try await server.request(.DELETE, "/topics/orders").status == 204)
            let after = try await server.get("/metrics").body
            #expect(!after.contains(#"topic="orders""#), "a detached topic leaves no series behind")
        }
    }
}
