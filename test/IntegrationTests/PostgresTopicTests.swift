import EventStoreTesting
import Foundation
import NIOHTTP1
import Testing

/// `postgres` topics through live servers and a real, throwaway PostgreSQL.
@Suite("PostgreSQL topics, live servers", .serialized)
struct PostgresTopicTests {
    func createTopic(_ server: ServerProcess, database: String) async throws {
        let reply = try await server.post("/topics", json: #"{"name": "orders", "adapter": "postgres", "connection": "\#(database)"}"#)
        try #require(reply.status == 201 || reply.status == 200, "\(reply.body)")
    }

    /// Conditions and idempotency hold across two server processes writing one PostgreSQL topic: one event id
    /// published through both at once is stored once, two publishes conditioned on the same head have one winner,
    /// and a DCB condition sees what the other server appended.
    @Test func conditionsAndIdempotencyHoldAcrossTwoServers() async throws {
        let database = try await PostgresCluster.shared().createDatabase()
        try await ServerProcess.with { first in
            try await ServerProcess.with { second in
                try await createTopic(first, database: database)
                try await createTopic(second, database: database)
                for round in 0..<5 {
                    let id = UUID().uuidString.lowercased()
                    let replies = try await withThrowingTaskGroup(of: ServerProcess.Reply.self) { group in
                        for server in [first, second, first, second] {
                            group.addTask { try await server.post("/topics/orders/events", json: #"{"id": "\#(id)", "type": "Same\#(round)"}"#) }
                        }
                        return try await group.reduce(into: []) { $0.append($1) }
                    }
                    #expect(replies.filter { $0.status == 201 }.count == 1, "one is stored: \(replies.map(\.status))")
                    #expect(replies.filter { $0.status == 200 }.count == 3, "the others are duplicates")
                    let offsets = Set(replies.compactMap { ($0.json["events"] as? [[String: Any]])?.first?["offset"] as? Int })
                    #expect(offsets == [round], "every answer names the one offset")
                }
                #expect(try await second.get("/topics/orders").json["head"] as? Int == 5)

                let conditioned = try await withThrowingTaskGroup(of: ServerProcess.Reply.self) { group in
                    for server in [first, second] {
                        group.addTask {
                            try await server.post("/topics/orders/events", json: #"{"events": [{"type": "Next"}], "condition": {"expected_next_offset": 5}}"#)
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(conditioned.map(\.status).sorted() == [201, 409], "\(conditioned.map(\.body))")
                #expect(conditioned.first { $0.status == 409 }?.json["head"] as? Int == 6)

                #expect(try await first.post("/topics/orders/events", json: #"{"type": "Enrolled", "key": "c1"}"#).status == 201)
                let refused = try await second.post(
                    "/topics/orders/events",
                    json: #"{"events": [{"type": "Enrolled", "key": "c1"}], "condition": {"fail_if_events_match": {"keys": ["c1"]}, "after": 5}}"#
                )
                #expect(refused.status == 409, "\(refused.body)")
                #expect(refused.json["type"] as? String == "urn:eventstore:problem:condition-failed")
                #expect(try await first.get("/topics/orders").json["head"] as? Int == 7)
            }
        }
    }

    @Test func twoServersShareATopicGapFreeAndWakeEachOther() async throws {
        let database = try await PostgresCluster.shared().createDatabase()
        try await ServerProcess.with { first in
            try await ServerProcess.with { second in
                try await createTopic(first, database: database)
                try await createTopic(second, database: database)

                // A long poll on the second server wakes for an event published through the first.
                let waiting = Task { try await second.get("/topics/orders/events?from=0&wait=20") }
                try await eventually("the long poll is waiting") { try await second.activeRequests("GET") == 2 }
                let started = ContinuousClock.now
                #expect(try await first.post("/topics/orders/events", json: #"{"type": "Opened"}"#).status == 201)
                let woken = try await waiting.value
                #expect((woken.json["events"] as? [[String: Any]])?.count == 1, "\(woken.body)")
                #expect(ContinuousClock.now - started < .seconds(15), "woken by the publish, not by the end of the 20 s wait")

                // Concurrent publishes through both servers: every acknowledged event once, offsets without gaps.
                let acknowledged = try await withThrowingTaskGroup(of: [(String, Int)].self) { group in
                    for server in [first, second] {
                        for _ in 0..<4 {
                            group.addTask {
                                var stored: [(String, Int)] = []
                                for _ in 0..<15 {
                                    let id = UUID().uuidString.lowercased()
                                    let reply = try await server.post("/topics/orders/events", json: #"{"type": "Placed", "id": "\#(id)"}"#)
                                    guard reply.status == 201, let offset = reply.json["first_offset"] as? Int else { continue }
                                    stored.append((id, offset))
                                }
                                return stored
                            }
                        }
                    }
                    return try await group.reduce(into: []) { $0 += $1 }
                }
                #expect(acknowledged.count == 120)
                let page = try await first.get("/topics/orders/events?limit=1000")
                let events = page.json["events"] as? [[String: Any]] ?? []
                #expect(events.compactMap { $0["offset"] as? Int } == Array(0..<121), "gap-free, in order")
                let stored = Dictionary(
                    uniqueKeysWithValues: events.compactMap { event in (event["id"] as? String).map { ($0, event["offset"] as? Int ?? -1) } }
                )
                for (id, offset) in acknowledged {
                    #expect(stored[id] == offset, "acknowledged \(id) at \(offset)")
                }
                #expect(try await second.get("/topics/orders").json["head"] as? Int == 121)
            }
        }
    }

    @Test(.enabled(if: PostgresCluster.canRestart, "restarts PostgreSQL: not the external server of EVENTSTORE_TEST_POSTGRES_URL"))
    func aPostgresRestartIsA503WhileDownAndLosesNothing() async throws {
        try await PostgresCluster.withOwnCluster { cluster in
            try await ServerProcess.with { server in
                let database = try await cluster.createDatabase()
                try await createTopic(server, database: database + "?connect_timeout=2")
                for index in 0..<5 {
                    #expect(try await server.post("/topics/orders/events", json: #"{"type": "Before\#(index)"}"#).status == 201)
                }

                try await cluster.stopServer()
                let down = try await server.post("/topics/orders/events", json: #"{"type": "WhileDown"}"#)
                #expect(down.status == 503, "\(down.body)")
                #expect(down.headers.first(name: "content-type") == "application/problem+json")
                #expect(try await server.get("/topics/orders/events").status == 503)
                let degraded = try await server.get("/health")
                #expect(degraded.status == 503)
                #expect(degraded.json["status"] as? String == "degraded")
                let topic = (degraded.json["topics"] as? [[String: Any]])?.first
                #expect(topic?["state"] as? String == "unavailable", "\(degraded.body)")
                #expect((topic?["reason"] as? String)?.contains("PostgreSQL does not answer") == true, "\(degraded.body)")

                try await cluster.startServer()
                try await eventually("the adapter reconnects by itself", timeout: .seconds(60)) {
                    try await server.post("/topics/orders/events", json: #"{"type": "After"}"#).status == 201
                }
                let healthy = try await server.get("/health")
                #expect(healthy.status == 200, "\(healthy.body)")
                #expect((healthy.json["topics"] as? [[String: Any]])?.first?["state"] as? String == "ready")
                let types = (try await server.get("/topics/orders/events").json["events"] as? [[String: Any]] ?? []).compactMap { $0["type"] as? String }
                #expect(types == ["Before0", "Before1", "Before2", "Before3", "Before4", "After"], "nothing lost, nothing half-written")
            }
        }
    }

    @Test func serversSharingACatalogSeeTheSameTopicsAndSubscribersWakeAcrossThem() async throws {
        let cluster = try await PostgresCluster.shared()
        let catalog = try await cluster.createDatabase()
        let database = try await cluster.createDatabase()
        try await WebhookReceiver.with { receiver in
            try await ServerProcess.with(arguments: ["--catalog", catalog, "--webhook-allow", "127.0.0.1"]) { first in
                try await ServerProcess.with(arguments: ["--catalog", catalog, "--webhook-allow", "127.0.0.1"]) { second in
                    try await createTopic(first, database: database)
                    try await eventually("the second server attaches the topic created through the first") {
                        try await second.get("/topics/orders").status == 200
                    }
                    let conflict = try await second.post("/topics", json: #"{"name": "orders", "adapter": "memory"}"#)
                    #expect(conflict.status == 409, "\(conflict.body)")
                    #expect(try await second.post("/topics", json: #"{"name": "orders", "adapter": "postgres", "connection": "\#(database)"}"#).status == 200)

                    // A subscriber on the second server is woken by publishes through the first.
                    let subscribed = try await second.post("/topics/orders/subscribe", json: #"{"callback_url": "\#(receiver.url("orders"))"}"#)
                    #expect(subscribed.status == 201, "\(subscribed.body)")
                    for index in 0..<20 {
                        #expect(try await first.post("/topics/orders/events", json: #"{"type": "Placed\#(index)"}"#).status == 201)
                    }
                    try await eventually("the subscriber gets every event") { receiver.acknowledgedOffsets("orders").count >= 20 }
                    #expect(receiver.acknowledgedOffsets("orders") == Array(0..<20), "in order, exactly once")

                    // A server started later loads the topics from the shared catalog.
                    try await ServerProcess.with(arguments: ["--catalog", catalog, "--webhook-allow", "127.0.0.1"]) { third in
                        #expect(try await third.get("/topics/orders").json["head"] as? Int == 20)

                        // A deletion through one server detaches the topic everywhere; the stored events are kept.
                        #expect(try await first.request(.DELETE, "/topics/orders").status == 204)
                        for server in [second, third] {
                            try await eventually("every server detaches the deleted topic") { try await server.get("/topics/orders").status == 404 }
                        }
                        try await createTopic(third, database: database)
                        try await eventually("the re-created topic is back on the first server") { try await first.get("/topics/orders").status == 200 }
                        #expect(try await first.get("/topics/orders").json["head"] as? Int == 20)
                    }
                }
            }
        }
    }

    /// A projection of a shared PostgreSQL topic lives in tables beside it: declared through one server, it runs on
    /// every server sharing the catalog, and each reads its own writes through any of them.
    @Test func projectionsOfASharedTopicLiveBesideItsTable() async throws {
        let cluster = try await PostgresCluster.shared()
        let catalog = try await cluster.createDatabase()
        let database = try await cluster.createDatabase()
        try await ServerProcess.with(arguments: ["--catalog", catalog]) { first in
            try await ServerProcess.with(arguments: ["--catalog", catalog]) { second in
                try await createTopic(first, database: database)
                let declared = try await first.post("/topics/orders/projections", json: #"{"name": "state", "kind": "state-by-key"}"#)
                #expect(declared.status == 201, "\(declared.body)")
                try await eventually("the second server runs the projection too") {
                    try await second.get("/topics/orders/projections/state").status == 200
                }
                var next = 0
                for index in 0..<30 {
                    let server = index.isMultiple(of: 2) ? first : second
                    let published = try await server.post("/topics/orders/events", json: #"{"type": "Set", "key": "k\#(index % 3)", "data": {"i": \#(index)}}"#)
                    next = try #require(published.json["last_offset"] as? Int) + 1
                    let reader = index.isMultiple(of: 2) ? second : first
                    let entry = try await reader.get("/topics/orders/projections/state/entries/k\(index % 3)?min_checkpoint=\(next)&wait=10")
                    #expect(entry.status == 200, "\(entry.body)")
                    #expect((entry.json["value"] as? [String: Int])?["i"] == index, "\(entry.body)")
                }
                #expect(next == 30)
                // The read model is in the table beside the topic's (psql fails on the exception).
                try await cluster.psql(
                    "DO $$ BEGIN IF (SELECT count(*) FROM events_orders_projection_entries) <> 3 THEN RAISE EXCEPTION 'not 3 entries'; END IF; END $$",
                    database: database
                )
            }
        }
    }
}

/// What a client may make the server connect to, and what it learns when a connection fails.
@Suite("PostgreSQL connections a client names, live server", .serialized)
struct PostgresConnectionPolicyTests {
    @Test func anAllowListRefusesOtherServersBeforeConnecting() async throws {
        let cluster = try await PostgresCluster.shared()
        let database = try await cluster.createDatabase()
        try await ServerProcess.with(arguments: ["--postgres-allow", "127.0.0.1:\(cluster.port)"]) { server in
            let silent = try SilentListener()
            let other = try await server.post(
                "/topics",
                json: #"{"name": "other", "adapter": "postgres", "connection": "postgresql://postgres@127.0.0.1:\#(silent.port)/x"}"#
            )
            #expect(other.status == 422, "\(other.body)")
            #expect((other.json["detail"] as? String)?.contains("not allowed (see --postgres-allow)") == true, "\(other.body)")
            for (connection, reason) in [
                ("host=127.0.0.1 port=\(cluster.port) passfile=/root/.pgpass dbname=x", "may not name files of this server"),
                ("host=/var/run/postgresql dbname=x", "Unix socket directory"),
                ("&\\t²¿Øl hunter2", "is not a PostgreSQL connection string"),
            ] {
                let refused = try await server.post("/topics", json: #"{"name": "refused", "adapter": "postgres", "connection": "\#(connection)"}"#)
                #expect(refused.status == 422, "\(connection): \(refused.body)")
                #expect((refused.json["detail"] as? String)?.contains(reason) == true, "\(refused.body)")
                #expect(!refused.body.contains("hunter2") && !refused.body.contains("pgpass"), "\(refused.body)")
            }
            let allowed = try await server.post("/topics", json: #"{"name": "orders", "adapter": "postgres", "connection": "\#(database)"}"#)
            #expect(allowed.status == 201, "\(allowed.body)")
        }
    }

    /// A server that accepts connections but never answers costs its connect timeout (5 s unless the connection
    /// sets one), answers a generic 503 without libpq's text, and never holds up other topic changes meanwhile.
    @Test func aSilentServerTimesOutWithoutHoldingUpOtherTopicChanges() async throws {
        let silent = try SilentListener()
        try await ServerProcess.with { server in
            let started = ContinuousClock.now
            let slow = Task {
                let reply = try await server.post(
                    "/topics",
                    json: #"{"name": "silent", "adapter": "postgres", "connection": "postgresql://postgres:hunter2@127.0.0.1:\#(silent.port)/x"}"#
                )
                return (reply, ContinuousClock.now - started)
            }
            try await eventually("the create is in flight") { try await server.activeRequests("POST") == 1 }
            #expect(try await server.post("/topics", json: #"{"name": "quick", "adapter": "memory"}"#).status == 201)
            let quickDone = ContinuousClock.now - started
            let (reply, slowDone) = try await slow.value
            #expect(reply.status == 503, "\(reply.body)")
            #expect(quickDone < slowDone, "the memory topic was created while the silent server was being reached: \(quickDone), \(slowDone)")
            #expect(slowDone >= .seconds(4) && slowDone < .seconds(30), "the default connect timeout (5 s) ended the wait: \(slowDone)")
            #expect((reply.json["detail"] as? String)?.contains("cannot be reached or refused the connection") == true, "\(reply.body)")
            #expect(!reply.body.contains("hunter2") && !reply.body.contains("timeout expired"), "\(reply.body)")
            #expect(!server.log.contains("hunter2"), "the log keeps libpq's reason, not the password")
            #expect(server.log.contains("PostgreSQL topic could not be opened"))
        }
    }
}
