import EventStoreTesting
import Foundation
import NIOHTTP1
import Testing

/// Blob topics through the API of live servers, stored in the fake Blob service (which checks every signature with
/// Microsoft's code); every outbound connection stays on 127.0.0.1 (`--blob-allow`).
@Suite("Blob topics, live servers and the fake Blob service")
struct BlobTopicTests {
    static func topic(_ service: FakeBlobService, key: String = FakeBlobService.key, name: String = "orders") -> String {
        #"{"name": "\#(name)", "adapter": "blob", "connection": "\#(service.connectionString(key: key))", "options": {"container": "\#(service.container)", "createContainerIfNotExist": "true"}}"#
    }

    @Test func publishReadAndConditionsOnABlobTopic() async throws {
        try await FakeBlobService.with { service in
            try await ServerProcess.with(arguments: ["--blob-allow", "127.0.0.1"]) { server in
                let created = try await server.post("/topics", json: Self.topic(service))
                #expect(created.status == 201, "\(created.body)")
                #expect(!created.body.contains(FakeBlobService.key), "the key is never shown")
                #expect(created.body.contains("***"))
                let published = try await server.post("/topics/orders/events", json: #"{"events": [{"type": "Placed", "key": "o-1", "data": {"n": 1}}, {"type": "Paid", "key": "o-1"}]}"#)
                #expect(published.status == 201)
                #expect(published.json["last_offset"] as? Int == 1)
                let conflict = try await server.post("/topics/orders/events", json: #"{"events": [{"type": "Late"}], "condition": {"expected_next_offset": 1}}"#)
                #expect(conflict.status == 409)
                #expect(conflict.json["head"] as? Int == 2)
                let page = try await server.get("/topics/orders/events?from=0&type=Paid")
                #expect((page.json["events"] as? [[String: Any]])?.map { $0["offset"] as? Int } == [1])
                #expect(try await server.get("/health").status == 200)
            }
        }
    }

    /// A batch whose frame would pass 4 MiB is 413 problem+json (with a body limit raised above it), and stores
    /// nothing.
    @Test func aBatchLargerThanAFrameIs413() async throws {
        try await FakeBlobService.with { service in
            try await ServerProcess.with(arguments: ["--blob-allow", "127.0.0.1", "--max-body-bytes", "8388608"]) { server in
                #expect(try await server.post("/topics", json: Self.topic(service)).status == 201)
                let big = String(repeating: "x", count: 1 << 20)
                let events = (0..<5).map { _ in #"{"type": "Big", "data": "\#(big)"}"# }.joined(separator: ",")
                let refused = try await server.post("/topics/orders/events", json: #"{"events": [\#(events)]}"#)
                #expect(refused.status == 413)
                #expect(refused.json["type"] as? String == "urn:eventstore:problem:payload-too-large")
                #expect(refused.headers.first(name: "content-type")?.hasPrefix("application/problem+json") == true)
                #expect(try await server.get("/topics/orders").json["head"] as? Int == 0)
            }
        }
    }

    /// Two servers write one blob topic: offsets stay gap-free, and each sees the other's events.
    @Test func twoServersShareOneTopic() async throws {
        try await FakeBlobService.with { service in
            try await ServerProcess.with(arguments: ["--blob-allow", "127.0.0.1"]) { first in
                try await ServerProcess.with(arguments: ["--blob-allow", "127.0.0.1"]) { second in
                    #expect(try await first.post("/topics", json: Self.topic(service)).status == 201)
                    #expect(try await second.post("/topics", json: Self.topic(service)).status == 201)
                    // A long poll on the second wakes for the first's append.
                    let poll = Task { try await second.get("/topics/orders/events?from=0&wait=10") }
                    try await Task.sleep(for: .milliseconds(200))
                    #expect(try await first.post("/topics/orders/events", json: #"{"type": "FromFirst"}"#).status == 201)
                    let woken = try await poll.value
                    #expect((woken.json["events"] as? [[String: Any]])?.first?["type"] as? String == "FromFirst")
                    try await withThrowingTaskGroup(of: Int.self) { group in
                        for index in 0..<20 {
                            group.addTask {
                                try await (index % 2 == 0 ? first : second).post("/topics/orders/events", json: #"{"type": "E\#(index)"}"#).status
                            }
                        }
                        for try await status in group { #expect(status == 201) }
                    }
                    try await eventually("both see 21 events") {
                        let heads = try await [first, second].asyncHeads()
                        return heads == [21, 21]
                    }
                    let all = try await first.get("/topics/orders/events?from=0&limit=100").json["events"] as? [[String: Any]]
                    #expect(all?.compactMap { $0["offset"] as? Int } == Array(0..<21))
                }
            }
        }
    }

    @Test func refusedEndpointsAndCredentialsAreClear() async throws {
        try await FakeBlobService.with { service in
            try await ServerProcess.with(arguments: ["--blob-allow", "10.1.2.3"]) { server in
                let refused = try await server.post("/topics", json: Self.topic(service))
                #expect(refused.status == 422)
                #expect((refused.json["detail"] as? String)?.contains("--blob-allow") == true)
            }
            try await ServerProcess.with(arguments: ["--blob-allow", "127.0.0.1"]) { server in
                let wrong = Data((0..<64).map { UInt8($0) }).base64EncodedString()
                let reply = try await server.post("/topics", json: Self.topic(service, key: wrong))
                #expect(reply.status == 503)
                #expect((reply.json["detail"] as? String)?.contains("refused the credentials") == true, "\(reply.body)")
                #expect(!reply.body.contains(wrong))
                #expect(try await server.get("/topics").body == #"{"topics":[]}"#, "nothing was created")
            }
        }
    }

    /// A blob topic's read models live in its container: the next server serves what the last one applied, and
    /// `eventstore-replay` rebuilds one beside a running server, which goes on from the rebuilt generation.
    @Test func projectionsOfABlobTopicAreKeptInTheContainer() async throws {
        try await FakeBlobService.with { service in
            try await withTemporaryDirectory { directory in
                let topic = Self.topic(service).dropLast() + #", "projections": [{"name": "state", "kind": "state-by-key"}]}"#
                try await ServerProcess.with(dataDirectory: directory, arguments: ["--blob-allow", "127.0.0.1"]) { server in
                    #expect(try await server.post("/topics", json: String(topic)).status == 201)
                    let events = #"{"events": [{"type": "A", "key": "k", "data": {"a": 1}}, {"type": "B", "key": "k", "data": {"b": 2}}]}"#
                    #expect(try await server.post("/topics/orders/events", json: events).status == 201)
                    let entry = try await server.get("/topics/orders/projections/state/entries/k?min_checkpoint=2&wait=10")
                    #expect(entry.status == 200, "\(entry.body)")
                    #expect((entry.json["value"] as? [String: Int]) == ["a": 1, "b": 2])
                }
                try await ServerProcess.with(dataDirectory: directory, arguments: ["--blob-allow", "127.0.0.1"]) { server in
                    let replay = try await ReplayProcess.run(["--data-dir", directory, "--blob-allow", "127.0.0.1", "--topic", "orders", "--projection", "state"])
                    #expect(replay.status == 0, "\(replay.output)")
                    #expect(try await server.post("/topics/orders/events", json: #"{"type": "C", "key": "k", "data": {"c": 3}}"#).status == 201)
                    let state = try await server.get("/topics/orders/projections/state?min_checkpoint=3&wait=10")
                    #expect(state.status == 200, "\(state.body)")
                    #expect(state.json["generation"] as? Int == 2, "the server serves the generation the replay built: \(state.body)")
                    let entries = state.json["entries"] as? [[String: Any]]
                    #expect(entries?.first?["value"] as? [String: Int] == ["a": 1, "b": 2, "c": 3])
                }
            }
        }
    }
}

extension Array where Element == ServerProcess {
    func asyncHeads() async throws -> [Int] {
        var heads: [Int] = []
        for server in self { heads.append(try await server.get("/topics/orders").json["head"] as? Int ?? -1) }
        return heads
    }
}
