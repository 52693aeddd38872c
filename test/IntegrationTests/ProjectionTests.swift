import EventStoreTesting
import Foundation
import NIOCore
import NIOHTTP1
import Testing

@Suite("Projections, live server", .serialized)
struct ProjectionTests {
    static func createTopic(_ server: ServerProcess, adapter: String, projections: String) async throws {
        let binding =
            adapter == "fs"
            ? #""adapter": "fs", "connection": "\#(server.dataDirectory)/topics", "options": {"createDirIfNotExist": "true"}"#
            : #""adapter": "memory""#
        let reply = try await server.post("/topics", json: #"{"name": "orders", \#(binding), "projections": \#(projections)}"#)
        #expect(reply.status == 201 || reply.status == 200, "\(reply.body)")
    }

    static let declared = #"[{"name": "stats", "kind": "stats"}, {"name": "carts", "kind": "state-by-key", "types": ["Cart"], "delete_types": ["Paid"]}]"#

    @Test(arguments: ["memory", "fs"])
    func readYourWritesAcrossTheEndpoints(adapter: String) async throws {
        try await withTemporaryDirectory { directory in
            try await ServerProcess.with(dataDirectory: directory) { server in
                try await Self.createTopic(server, adapter: adapter, projections: Self.declared)
                let published = try await server.post(
                    "/topics/orders/events",
                    json: #"{"events": [{"type": "Cart", "key": "c/1", "data": {"items": {"apple": 1}}}, {"type": "Cart", "key": "c/1", "data": {"items": {"pear": 2, "apple": null}}}, {"type": "Cart", "key": "c 2", "data": {"items": {}}}, {"type": "Paid", "key": "c 2"}, {"type": "Note"}, {"type": "Cart", "key": "c3", "data": {}}]}"#
                )
                #expect(published.status == 201)
                let next = try #require(published.json["last_offset"] as? Int) + 1
                let cart = try await server.get("/topics/orders/projections/carts/entries/c%2F1?min_checkpoint=\(next)&wait=10")
                #expect(cart.status == 200, "\(cart.body)")
                #expect(cart.json["value"] as? [String: [String: Int]] == ["items": ["pear": 2]])
                #expect(cart.json["checkpoint"] as? Int == next)
                #expect(cart.json["lag"] as? Int == 0)
                let gone = try await server.get("/topics/orders/projections/carts/entries/c%202?min_checkpoint=\(next)&wait=10")
                #expect(gone.status == 404)
                #expect(gone.json["type"] as? String == "urn:eventstore:problem:entry-not-found")
                let stats = try await server.get("/topics/orders/projections/stats?min_checkpoint=\(next)&wait=10")
                let value = try #require(stats.json["value"] as? [String: Any])
                #expect(value["count"] as? Int == 6)
                #expect((value["types"] as? [String: [String: Any]])?["Cart"]?["count"] as? Int == 4)
                let page = try await server.get("/topics/orders/projections/carts?limit=1")
                #expect((page.json["entries"] as? [[String: Any]])?.map { $0["key"] as? String } == ["c/1"])
                #expect(page.json["next_after"] as? String == "c/1")
                let last = try await server.get("/topics/orders/projections/carts?limit=1&after=c%2F1")
                #expect((last.json["entries"] as? [[String: Any]])?.map { $0["key"] as? String } == ["c3"])
                #expect(last.json["next_after"] is NSNull)
                let list = try await server.get("/topics/orders/projections")
                let names = (list.json["projections"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
                #expect(names == ["carts", "stats"])
                // A checkpoint not reached in time is a 504 problem.
                let late = try await server.get("/topics/orders/projections/stats?min_checkpoint=\(next + 1)&wait=1")
                #expect(late.status == 504)
                #expect(late.json["type"] as? String == "urn:eventstore:problem:wait-timed-out")
                let health = try await server.get("/health")
                #expect(health.body.contains(#""projections":[{"name":"carts","state":"running"},{"name":"stats","state":"running"}]"#), "\(health.body)")
            }
        }
    }

    @Test func declaredProjectionsAndTheirReadModelsSurviveARestart() async throws {
        try await withTemporaryDirectory { directory in
            try await ServerProcess.with(dataDirectory: directory) { server in
                try await Self.createTopic(server, adapter: "fs", projections: "[]")
                #expect(try await server.post("/topics/orders/projections", json: #"{"name": "latest", "kind": "latest-by-key"}"#).status == 201)
                #expect(try await server.post("/topics/orders/events", json: #"{"type": "A", "key": "k", "data": 1}"#).status == 201)
                #expect(try await server.get("/topics/orders/projections/latest/entries/k?min_checkpoint=1&wait=10").status == 200)
            }
            #expect(FileManager.default.fileExists(atPath: directory + "/topics/orders/projections.sqlite"))
            try await ServerProcess.with(dataDirectory: directory) { server throws in
                let entry = try await server.get("/topics/orders/projections/latest/entries/k")
                #expect(entry.status == 200, "\(entry.body)")
                #expect((entry.json["value"] as? [String: Any])?["data"] as? Int == 1)
                #expect(entry.json["checkpoint"] as? Int == 1)
                #expect(try await server.request(.DELETE, "/topics/orders/projections/latest").status == 204)
            }
            try await ServerProcess.with(dataDirectory: directory) { server throws in
                #expect(try await server.get("/topics/orders/projections/latest").status == 404)
                #expect((try await server.get("/topics/orders").json["projections"] as? [Any])?.isEmpty == true)
            }
        }
    }

    /// SIGKILL while publishes flow and the projection folds them: after the restart the read model agrees with its
    /// checkpoint (the stats count equals the events below the checkpoint), and it catches up with every event.
    @Test func aKilledServerLeavesModelAndCheckpointInAgreement() async throws {
        try await withTemporaryDirectory { directory in
            try await ServerProcess.with(dataDirectory: directory) { server in
                try await Self.createTopic(server, adapter: "fs", projections: #"[{"name": "stats", "kind": "stats"}]"#)
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for client in 0..<4 {
                        group.addTask {
                            for index in 0..<100_000 {
                                let reply = try? await server.request(
                                    .POST,
                                    "/topics/orders/events",
                                    json: #"{"events": [{"type": "E\#(client)", "data": {"i": \#(index)}}, {"type": "F"}]}"#,
                                    timeout: .seconds(5)
                                )
                                guard reply?.status == 201 else { return }
                            }
                        }
                    }
                    try await eventually("the projection has folded a few hundred events") {
                        let stats = try await server.get("/topics/orders/projections/stats")
                        return (stats.json["checkpoint"] as? Int ?? 0) > 400
                    }
                    _ = try await server.stop(signal: SIGKILL)
                    try await group.waitForAll()
                }
            }
            try await ServerProcess.with(dataDirectory: directory) { server in
                // Right after the restart, before the worker folds anything more, or at any later moment: agreement.
                for _ in 0..<5 {
                    let stats = try await server.get("/topics/orders/projections/stats")
                    let checkpoint = try #require(stats.json["checkpoint"] as? Int)
                    let count = (stats.json["value"] as? [String: Any])?["count"] as? Int ?? 0
                    #expect(count == checkpoint, "the model holds exactly the events below its checkpoint")
                }
                let head = try #require(try await server.get("/topics/orders").json["head"] as? Int)
                let caughtUp = try await server.get("/topics/orders/projections/stats?min_checkpoint=\(head)&wait=20")
                #expect((caughtUp.json["value"] as? [String: Any])?["count"] as? Int == head)
            }
        }
    }

    @Test func onlineRebuildOverHTTP() async throws {
        try await withTemporaryDirectory { directory in
            try await ServerProcess.with(dataDirectory: directory) { server in
                try await Self.createTopic(server, adapter: "fs", projections: Self.declared)
                let events = (0..<200).map { #"{"type": "Cart", "key": "c\#($0 % 10)", "data": {"n": \#($0)}}"# }.joined(separator: ",")
                #expect(try await server.post("/topics/orders/events", json: #"{"events": [\#(events)]}"#).status == 201)
                let before = try await server.get("/topics/orders/projections/carts?min_checkpoint=200&wait=10")
                let started = try await server.post("/topics/orders/projections/carts/rebuild", json: "")
                #expect(started.status == 202, "\(started.body)")
                #expect(started.json["state"] as? String == "rebuilding")
                try await eventually("the rebuilt generation is served") {
                    let summary = try await server.get("/topics/orders/projections/carts")
                    return summary.json["state"] as? String == "running" && (summary.json["generation"] as? Int ?? 0) > 1
                }
                let after = try await server.get("/topics/orders/projections/carts")
                #expect((after.json["entries"] as? [[String: Any]])?.count == 10)
                #expect(
                    (after.json["entries"] as? [[String: Any]])?.map { "\($0["value"] ?? "")" } == (before.json["entries"] as? [[String: Any]])?.map { "\($0["value"] ?? "")" }
                )
                #expect(try await server.post("/topics/orders/projections/nope/rebuild", json: "").status == 404)
            }
        }
    }

    @Test func badDeclarationsAreProblemsNamingTheField() async throws {
        try await withTemporaryDirectory { directory in
            try await ServerProcess.with(dataDirectory: directory, arguments: ["--max-projections-per-topic", "3"]) { server in
                try await Self.createTopic(server, adapter: "memory", projections: "[]")
                let huge = String(repeating: "x", count: 60_000)
                let manyTypes = (0..<60_000).map { #""t\#($0)""# }.joined(separator: ",")
                for (body, status, fragment) in [
                    (#"{"name": "Upper", "kind": "stats"}"#, 400, "invalid projection name"),
                    (#"{"name": "\#(huge)", "kind": "stats"}"#, 400, "invalid projection name"),
                    (#"{"name": "a\u0000b", "kind": "stats"}"#, 400, "invalid projection name"),
                    (#"{"name": "ok", "kind": "no-such"}"#, 400, "kind 'no-such' is not one of"),
                    (#"{"name": "ok", "kind": "stats", "delete_types": ["x"]}"#, 400, "delete_types"),
                    (#"{"name": "ok", "kind": "latest-by-key", "types": [\#(manyTypes)]}"#, 400, "types may list at most 100"),
                    (#"{"name": "ok", "kind": "latest-by-key", "types": ["a\u0000"]}"#, 400, "types entries"),
                    (#"{"name": "ok", "kind": "latest-by-key", "types": [""]}"#, 400, "types entries"),
                    (#"{"name": "ok", "kind": "stats", "extra": true}"#, 400, "unknown field 'extra'"),
                    (#"{"name": "ok"}"#, 400, "missing field 'kind'"),
                    (#"{"name": 7, "kind": "stats"}"#, 400, "field 'name'"),
                    (#"[]"#, 400, "a projection definition"),
                ] {
                    let reply = try await server.post("/topics/orders/projections", json: body)
                    #expect(reply.status == status, "\(body.prefix(80)): \(reply.body.prefix(300))")
                    #expect(reply.headers.first(name: "content-type")?.hasPrefix("application/problem+json") == true)
                    #expect(reply.body.contains(fragment), "\(body.prefix(80)): \(reply.body.prefix(300))")
                }
                for name in ["a", "b", "c"] {
                    #expect(try await server.post("/topics/orders/projections", json: #"{"name": "\#(name)", "kind": "stats"}"#).status == 201)
                }
                #expect(try await server.post("/topics/orders/projections", json: #"{"name": "a", "kind": "stats"}"#).status == 409)
                let full = try await server.post("/topics/orders/projections", json: #"{"name": "d", "kind": "stats"}"#)
                #expect(full.status == 422)
                #expect(full.body.contains("at most 3 projections"))
                // Topic declarations are checked the same way, and nothing is created.
                let twice = try await server.post("/topics", json: #"{"name": "other", "adapter": "memory", "projections": [{"name": "x", "kind": "stats"}, {"name": "x", "kind": "stats"}]}"#)
                #expect(twice.status == 409, "\(twice.body)")
                #expect(try await server.get("/topics/other").status == 404)
                // Hostile query parameters.
                for (query, status) in [
                    ("min_checkpoint=9223372036854775807&wait=0", 504), ("min_checkpoint=-1", 400), ("min_checkpoint=9223372036854775808", 400),
                    ("wait=31&min_checkpoint=1", 400), ("wait=9223372036854775807&min_checkpoint=1", 400), ("limit=0", 400),
                    ("limit=1001", 400), ("after=\(String(repeating: "k", count: 5000))", 400), ("prefix=\(String(repeating: "p", count: 5000))", 400),
                    ("prefix=%00%0A", 200),
                ] {
                    let reply = try await server.get("/topics/orders/projections/a?\(query)")
                    #expect(reply.status == status, "\(query.prefix(60)): \(reply.body.prefix(300))")
                }
                for (path, status) in [("/topics/orders/projections/a/entries/%ZZ", 400), ("/topics/orders/projections/a/entries/%C3", 400)] {
                    // Raw, as an HTTP client would re-encode the '%'.
                    let connection = try RawConnection(port: server.port)
                    try connection.send("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    let reply = try await connection.receive(timeout: .seconds(10), untilResponse: true).text
                    #expect(reply.hasPrefix("HTTP/1.1 \(status)"), "\(path): \(reply.prefix(300))")
                }
                for (path, status) in [
                    ("/topics/orders/projections/a/entries/%00", 404), ("/topics/orders/projections/a/entries/\(String(repeating: "k", count: 5000))", 400),
                    ("/topics/orders/projections/UPPER", 400),
                    ("/topics/orders/projections/zzz", 404), ("/topics/nope/projections", 404), ("/topics/nope/projections/a", 404),
                ] {
                    let reply = try await server.get(path)
                    #expect(reply.status == status, "\(path): \(reply.body.prefix(300))")
                }
            }
        }
    }

    /// A projection store that cannot be opened (its database file replaced by a directory): the topic serves its
    /// events, and adding a projection is a 503 that stores nothing.
    @Test func anUnopenableProjectionStoreIs503AndChangesNothing() async throws {
        try await withTemporaryDirectory { directory in
            try await ServerProcess.with(dataDirectory: directory) { server in
                try await Self.createTopic(server, adapter: "fs", projections: "[]")
            }
            let database = directory + "/topics/orders/projections.sqlite"
            try? FileManager.default.removeItem(atPath: database)
            try FileManager.default.createDirectory(atPath: database, withIntermediateDirectories: false)
            try await ServerProcess.with(dataDirectory: directory) { server in
                #expect(try await server.post("/topics/orders/events", json: #"{"type": "A"}"#).status == 201)
                let added = try await server.post("/topics/orders/projections", json: #"{"name": "stats", "kind": "stats"}"#)
                #expect(added.status == 503, "\(added.body)")
                #expect(added.json["type"] as? String == "urn:eventstore:problem:storage-unavailable")
                #expect((try await server.get("/topics/orders").json["projections"] as? [Any])?.isEmpty == true, "nothing was stored")
                #expect(server.log.contains("Opening the projection database failed"))
            }
        }
    }

    @Test func theProjectionsOfADeletedTopicAreGone() async throws {
        try await withTemporaryDirectory { directory in
            try await ServerProcess.with(dataDirectory: directory) { server in
                try await Self.createTopic(server, adapter: "memory", projections: Self.declared)
                #expect(try await server.request(.DELETE, "/topics/orders").status == 204)
                for path in ["/topics/orders/projections", "/topics/orders/projections/stats", "/topics/orders/projections/carts/entries/x"] {
                    let reply = try await server.get(path)
                    #expect(reply.status == 404, "\(path)")
                    #expect(reply.json["type"] as? String == "urn:eventstore:problem:topic-not-found")
                }
                #expect(try await server.post("/topics/orders/projections", json: #"{"name": "x", "kind": "stats"}"#).status == 404)
                #expect(try await server.post("/topics/orders/projections/stats/rebuild", json: "").status == 404)
                #expect(try await server.request(.DELETE, "/topics/orders/projections/stats").status == 404)
            }
        }
    }
}
