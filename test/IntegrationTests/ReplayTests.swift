import EventStoreTesting
import Foundation
import Testing

@Suite("eventstore-replay, live servers", .serialized)
struct ReplayTests {
    static let projections = #"[{"name": "stats", "kind": "stats"}, {"name": "state", "kind": "state-by-key"}]"#

    static func createTopic(_ server: ServerProcess, adapter: String = "fs") async throws {
        try await ProjectionTests.createTopic(server, adapter: adapter, projections: Self.projections)
    }

    /// Publishes `count` events in batches, keys k0...k(keys-1); returns the head.
    @discardableResult
    static func publish(_ server: ServerProcess, count: Int, keys: Int = 50, from start: Int = 0) async throws -> Int {
        var head = 0
        for batch in stride(from: start, to: start + count, by: 1000) {
            let events = (batch..<min(batch + 1000, start + count)).map { #"{"type": "Set", "key": "k\#($0 % keys)", "data": {"i": \#($0), "k\#($0 % 7)": true}}"# }
            let reply = try await server.post("/topics/orders/events", json: #"{"events": [\#(events.joined(separator: ","))]}"#)
            #expect(reply.status == 201, "\(reply.body.prefix(300))")
            head = (reply.json["last_offset"] as? Int ?? 0) + 1
        }
        return head
    }

    static func summary(_ server: ServerProcess, _ projection: String, minCheckpoint: Int? = nil) async throws -> [String: Any] {
        let query = minCheckpoint.map { "?limit=1000&min_checkpoint=\($0)&wait=20" } ?? "?limit=1000"
        let reply = try await server.get("/topics/orders/projections/\(projection)\(query)")
        #expect(reply.status == 200, "\(reply.body.prefix(300))")
        return reply.json
    }

    /// The page's entries as `key=value`, values in canonical JSON (sorted keys).
    static func entries(_ summary: [String: Any]) -> [String] {
        ((summary["entries"] as? [[String: Any]]) ?? []).map { entry in
            let value = (try? JSONSerialization.data(withJSONObject: entry["value"] ?? NSNull(), options: [.sortedKeys, .fragmentsAllowed])) ?? Data()
            return "\(entry["key"] ?? "")=\(String(decoding: value, as: UTF8.self))"
        }
    }

    @Test func aStoppedServersProjectionsAreRebuiltFromStorage() async throws {
        try await withTemporaryDirectory { directory in
            let before = try await ServerProcess.with(dataDirectory: directory) { server in
                try await Self.createTopic(server)
                let head = try await Self.publish(server, count: 3000)
                return Self.entries(try await Self.summary(server, "state", minCheckpoint: head))
            }
            let scan = try await ReplayProcess.run(["--data-dir", directory, "--topic", "orders", "--scan"])
            #expect(scan.status == 0, "\(scan.output)")
            #expect(scan.output.contains("scanned topic 'orders': 3000 events"), "\(scan.output)")
            let outcome = try await ReplayProcess.run(["--data-dir", directory, "--topic", "orders"])
            #expect(outcome.status == 0, "\(outcome.output)")
            #expect(outcome.output.contains("rebuilt projection 'stats' of topic 'orders': 3000 events"), "\(outcome.output)")
            #expect(outcome.output.contains("rebuilt projection 'state' of topic 'orders': 3000 events"), "\(outcome.output)")
            try await ServerProcess.with(dataDirectory: directory) { server in
                let state = try await Self.summary(server, "state")
                #expect(state["generation"] as? Int == 2)
                #expect(state["checkpoint"] as? Int == 3000)
                #expect(Self.entries(state) == before)
                let stats = try await Self.summary(server, "stats")
                #expect((stats["value"] as? [String: Any])?["count"] as? Int == 3000)
            }
        }
    }

    /// Replay beside a server that keeps publishing: the server notices the new generation and goes on from it; in
    /// the end every projection equals the fold of every event.
    @Test func aRunningServerGoesOnFromTheReplayedGeneration() async throws {
        try await withTemporaryDirectory { directory in
            try await ServerProcess.with(dataDirectory: directory) { server in
                try await Self.createTopic(server)
                try await Self.publish(server, count: 5000)
                let publishing = Task { try await Self.publish(server, count: 5000, from: 5000) }
                let outcome = try await ReplayProcess.run(["--data-dir", directory, "--topic", "orders", "--projection", "stats"])
                #expect(outcome.status == 0, "\(outcome.output)")
                let head = try await publishing.value
                #expect(head == 10_000)
                let stats = try await Self.summary(server, "stats", minCheckpoint: head)
                #expect(stats["generation"] as? Int == 2, "the server serves the replayed generation")
                #expect((stats["value"] as? [String: Any])?["count"] as? Int == head, "every event folded exactly once")
                #expect((stats["value"] as? [String: Any])?["last_offset"] as? Int == head - 1)
            }
        }
    }

    /// Killed mid-way, a replay leaves the old generation served; its lease keeps another replay off until it
    /// expires; the next run drops the partial generation and finishes.
    @Test func aKilledReplayLeavesTheOldGenerationAndTheNextRunCleansUp() async throws {
        guard await ExternalTool.programIsAvailable("sqlite3") else {
            print("note: the killed-replay test was skipped: it reads projections.sqlite with the sqlite3 tool (apt install sqlite3)")
            return
        }
        try await withTemporaryDirectory { directory in
            let before = try await ServerProcess.with(dataDirectory: directory) { server in
                try await Self.createTopic(server)
                let head = try await Self.publish(server, count: 60_000, keys: 20_000)
                return Self.entries(try await Self.summary(server, "state", minCheckpoint: head))
            }
            let replay = try await ReplayProcess.start(["--data-dir", directory, "--topic", "orders", "--projection", "state"])
            // Kill it once it has written part of a generation (the database holds a second one).
            let database = directory + "/topics/orders/projections.sqlite"
            try await eventually("the replay has begun a generation") {
                let generations = try await SQLiteFile.rows(database, "SELECT count(*) FROM generations WHERE projection = 'state'")
                return generations == ["2"] || !replay.isRunning
            }
            replay.signal(SIGKILL)
            _ = try await replay.waitForExit(timeout: .seconds(30))
            try await ServerProcess.with(dataDirectory: directory) { server in
                let state = try await Self.summary(server, "state")
                #expect(state["generation"] as? Int == 1, "the old generation is still served")
                #expect(Self.entries(state) == before)
                // The killed replay's lease still holds: an online rebuild is refused, naming it.
                let rebuild = try await server.post("/topics/orders/projections/state/rebuild", json: "")
                #expect(rebuild.status == 409, "\(rebuild.body)")
                #expect(rebuild.body.contains("is being rebuilt by eventstore-replay pid"), "\(rebuild.body)")
            }
            let blocked = try await ReplayProcess.run(["--data-dir", directory, "--topic", "orders", "--projection", "state"])
            #expect(blocked.status == 1)
            #expect(blocked.output.contains("is being rebuilt by eventstore-replay pid"), "\(blocked.output)")
            var finished: ReplayProcess.Outcome?
            try await eventually("the lease expires and the next run finishes", timeout: .seconds(60)) {
                let outcome = try await ReplayProcess.run(["--data-dir", directory, "--topic", "orders", "--projection", "state"])
                finished = outcome
                return outcome.status == 0
            }
            #expect(finished?.output.contains("60000 events") == true)
            #expect(try await SQLiteFile.rows(database, "SELECT count(*) FROM generations WHERE projection = 'state'") == ["1"], "the partial one is gone")
            try await ServerProcess.with(dataDirectory: directory) { server in
                let state = try await Self.summary(server, "state")
                #expect((state["generation"] as? Int ?? 0) > 1)
                #expect(Self.entries(state) == before)
            }
        }
    }

    @Test func badRunsSayWhyWithTheirExitStatus() async throws {
        try await withTemporaryDirectory { directory in
            try await ServerProcess.with(dataDirectory: directory) { server in
                try await Self.createTopic(server, adapter: "memory")
                let port = server.port
                for (arguments, status, message) in [
                    ([String](), Int32(2), "Missing expected argument '--topic"),
                    (["--topic", "orders", "--bogus"], 2, "unknown option '--bogus'"),
                    (["--topic", "bad name"], 2, "invalid topic name"),
                    (["--topic", "orders", "--projection", "Bad"], 2, "invalid projection name"),
                    (["--topic", "orders", "--token", "x"], 2, "--token and --ca-file go with --server"),
                    (["--topic", "orders", "--scan", "--server", "http://127.0.0.1:\(port)"], 2, "--scan reads the topic's storage"),
                    (["--topic", "orders", "--max-page-size", "0"], 1, "--max-page-size must be in 1..."),
                    (["--topic", "nope"], 1, "topic 'nope' is neither in the catalog"),
                    (["--topic", "orders"], 1, "topic 'orders' is a memory topic"),
                    (["--topic", "orders", "--server", "http://127.0.0.1:\(port)", "--projection", "nope"], 1, "projection"),
                    (["--topic", "orders", "--server", "http://127.0.0.1:1"], 1, "cannot reach the server"),
                ] {
                    let outcome = try await ReplayProcess.run(["--data-dir", directory] + arguments)
                    #expect(outcome.status == status, "\(arguments): \(outcome.output)")
                    #expect(outcome.output.contains(message), "\(arguments): \(outcome.output)")
                }
                let help = try await ReplayProcess.run(["--help"])
                #expect(help.status == 0)
                #expect(help.output.contains("--data-dir") && help.output.contains("EVENTSTORE_DATA_DIR"), "the server's settings, declared once")
            }
        }
    }

    /// Through a server with tokens and HTTPS: the token from EVENTSTORE_TOKEN, the certificate from --ca-file; a
    /// token too weak or none is refused, saying so.
    @Test func throughAServerWithTokensAndTLS() async throws {
        let admin = try await AccessControlTests.createToken(role: "admin", name: "ops")
        let reader = try await AccessControlTests.createToken(role: "reader", name: "viewer")
        try await withTemporaryDirectory { directory in
            try await AccessControlTests.makeCertificate(in: directory)
            try Data("[\(admin.entry),\(reader.entry)]".utf8).write(to: URL(fileURLWithPath: directory + "/tokens.json"))
            try Data(#"[{"name": "orders", "adapter": "memory", "projections": [{"name": "stats", "kind": "stats"}]}]"#.utf8)
                .write(to: URL(fileURLWithPath: directory + "/topics.json"))
            let arguments = [
                "--tls-cert", directory + "/cert.pem", "--tls-key", directory + "/key.pem", "--tokens-file", directory + "/tokens.json",
                "--topics-file", directory + "/topics.json",
            ]
            try await ServerProcess.with(dataDirectory: directory + "/data", arguments: arguments) { server in
                let replay = ["--topic", "orders", "--server", "https://127.0.0.1:\(server.port)", "--ca-file", directory + "/cert.pem"]
                let done = try await ReplayProcess.run(replay, environment: ["EVENTSTORE_TOKEN": admin.secret])
                #expect(done.status == 0, "\(done.output)")
                #expect(done.output.contains("rebuilt projection 'stats' of topic 'orders'"), "\(done.output)")
                let weak = try await ReplayProcess.run(replay + ["--token", reader.secret])
                #expect(weak.status == 1)
                #expect(weak.output.contains("answered 403"), "\(weak.output)")
                let anonymous = try await ReplayProcess.run(replay)
                #expect(anonymous.status == 1)
                #expect(anonymous.output.contains("answered 401"), "\(anonymous.output)")
            }
        }
    }

    @Test func aMemoryTopicIsRebuiltThroughItsServer() async throws {
        try await ServerProcess.with { server in
            try await Self.createTopic(server, adapter: "memory")
            let head = try await Self.publish(server, count: 2000)
            let before = Self.entries(try await Self.summary(server, "state", minCheckpoint: head))
            let outcome = try await ReplayProcess.run(["--topic", "orders", "--server", "http://127.0.0.1:\(server.port)"])
            #expect(outcome.status == 0, "\(outcome.output)")
            #expect(outcome.output.contains("rebuilt projection 'state' of topic 'orders': 2000 events"), "\(outcome.output)")
            let state = try await Self.summary(server, "state")
            #expect(state["generation"] as? Int == 2)
            #expect(Self.entries(state) == before)
        }
    }
}

/// Reads an SQLite database with the `sqlite3` tool, as an operator would (installed by `.ci/run`).
enum SQLiteFile {
    struct Failed: Error, CustomStringConvertible {
        var description: String
    }

    static func rows(_ path: String, _ sql: String) async throws -> [String] {
        let (status, output) = try await ExternalTool.run(["sqlite3", "-readonly", path, sql])
        guard status == 0 else { throw Failed(description: "sqlite3 \(sql) failed: \(output)") }
        return output.split(separator: "\n").map(String.init)
    }
}
