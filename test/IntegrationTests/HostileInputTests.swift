import EventStoreTesting
import Foundation
import NIOHTTP1
import Testing

/// What an attacker would send, on every adapter: extreme numbers and whitespace that could break storage. The
/// server never crashes, answers 4xx or serves the request, and never loses an acknowledged event.
@Suite("Hostile input on every adapter, live server", .serialized)
struct HostileInputTests {
    enum Adapter: String, CaseIterable, CustomTestStringConvertible {
        case memory, fs, postgres
        var testDescription: String { self.rawValue }
    }

    /// Creates the topic `orders` on `adapter`.
    static func createTopic(_ server: ServerProcess, on adapter: Adapter) async throws {
        let body: String
        switch adapter {
        case .memory:
            body = #"{"name": "orders", "adapter": "memory"}"#
        case .fs:
            body = #"{"name": "orders", "adapter": "fs", "connection": "\#(server.dataDirectory)/topics", "options": {"createDirIfNotExist": "true"}}"#
        case .postgres:
            let database = try await PostgresCluster.shared().createDatabase()
            body = #"{"name": "orders", "adapter": "postgres", "connection": "\#(database)"}"#
        }
        let reply = try await server.post("/topics", json: body)
        try #require(reply.status == 201, "\(reply.body)")
    }

    static let max = Int64.max

    @Test(arguments: Adapter.allCases)
    func extremeNumbersAreServedOrRefusedNeverACrash(_ adapter: Adapter) async throws {
        try await ServerProcess.with { server in
            try await Self.createTopic(server, on: adapter)
            #expect(try await server.post("/topics/orders/events", json: #"{"type": "A"}"#).status == 201)
            let publishes: [(condition: String, status: Int)] = [
                // No event can come after Int64.max: the condition holds, the event is stored.
                (#"{"fail_if_events_match": {"types": ["A"]}, "after": \#(Self.max)}"#, 201),
                (#"{"fail_if_events_match": {"types": ["A"]}, "after": \#(Self.max - 1)}"#, 201),
                (#"{"expected_next_offset": \#(Self.max)}"#, 409),
                (#"{"fail_if_events_match": {"types": ["A"]}, "after": \#(Int64.min)}"#, 400),
                (#"{"expected_next_offset": \#(Int64.min)}"#, 400),
                (#"{"expected_next_offset": 99999999999999999999}"#, 400),
                (#"{"fail_if_events_match": {"types": ["A"]}, "after": 1e300}"#, 400),
            ]
            for (condition, status) in publishes {
                let reply = try await server.post("/topics/orders/events", json: #"{"events": [{"type": "A"}], "condition": \#(condition)}"#)
                #expect(reply.status == status, "\(condition): \(reply.body)")
            }
            for query in [
                "from=\(Self.max)", "from=\(Self.max)&limit=10000", "from=\(Self.max)&type=A", "from=\(Self.max - 1)&wait=0",
                "from=\(Self.max)&wait=0", "limit=\(Self.max)", "wait=\(Self.max)", "from=99999999999999999999", "limit=-1", "wait=1e9",
            ] {
                let reply = try await server.get("/topics/orders/events?\(query)")
                #expect(reply.status == 200 || reply.status == 400, "\(query): \(reply.body)")
            }
            #expect(try await server.get("/topics/orders/events/\(Self.max)").status == 404)
            #expect(try await server.get("/topics/orders/events/99999999999999999999").status == 400)
            let subscribe = try await server.post(
                "/topics/orders/subscribe?from=\(Self.max)",
                json: #"{"callback_url": "http://127.0.0.1:9/hook", "batch_size": \#(Self.max)}"#
            )
            #expect(subscribe.status == 400, "\(subscribe.body)")
            #expect(server.isRunning)
            let events = try await server.get("/topics/orders/events").json["events"] as? [[String: Any]]
            #expect(events?.compactMap { $0["offset"] as? Int } == [0, 1, 2], "what was acknowledged, gap-free")
        }
    }

    /// Pretty-printed `data` (raw line breaks, tabs and CRLF between tokens) is stored without them on every
    /// adapter: the next read serves it, a restart finds it at its offset, and the next event gets the next offset.
    @Test(arguments: Adapter.allCases)
    func prettyPrintedDataIsStoredCompactAndSurvivesARestart(_ adapter: Adapter) async throws {
        let pretty = "{\n\t\"total\" : 12.50,\r\n  \"lines\": [\n    {\"sku\": \"a b\\nc\"}\n  ]\n}\n"
        let compact = #"{"total":12.50,"lines":[{"sku":"a b\nc"}]}"#
        let body = "{\"events\": [{\"type\": \"Pretty\", \"data\": \(pretty)}, {\"type\": \"Next\", \"data\":\r\n[1,\t2]}]}"
        try await withTemporaryDirectory { directory in
            let first = try await ServerProcess.with(dataDirectory: directory) { server in
                try await Self.createTopic(server, on: adapter)
                let published = try await server.post("/topics/orders/events", json: body)
                #expect(published.status == 201, "\(published.body)")
                let read = try await server.get("/topics/orders/events")
                #expect(read.status == 200, "\(read.body)")
                #expect(read.body.contains(#""data":\#(compact)"#), "\(read.body)")
                #expect(read.body.contains(#""data":[1,2]"#), "\(read.body)")
                #expect(try await server.get("/health").status == 200)
                return read.body
            }
            guard adapter != .memory else { return }
            try await ServerProcess.with(dataDirectory: directory) { server in
                #expect(try await server.get("/topics/orders/events").body == first, "the same events after a restart")
                let next = try await server.post("/topics/orders/events", json: #"{"type": "AfterRestart"}"#)
                #expect(next.json["first_offset"] as? Int == 2, "no acknowledged offset is reused: \(next.body)")
            }
        }
    }

    /// Huge lists are refused by their limit, in linear time: 60,000 metadata keys, 60,000 condition types, more
    /// filter values than a read may use. Reads are not held up meanwhile.
    @Test func hugeListsAreRefusedByTheirLimits() async throws {
        try await ServerProcess.with { server in
            try await Self.createTopic(server, on: .memory)
            let metadata = (0..<60_000).map { #""k\#($0)": "v""# }.joined(separator: ",")
            let manyKeys = try await server.post("/topics/orders/events", json: #"{"type": "A", "metadata": {\#(metadata)}}"#)
            #expect(manyKeys.status == 422, "\(manyKeys.body.prefix(300))")
            #expect((manyKeys.json["detail"] as? String)?.contains("metadata holds at most 64 entries") == true)
            let types = (0..<60_000).map { #""t\#($0)""# }.joined(separator: ",")
            let manyTypes = try await server.post(
                "/topics/orders/events",
                json: #"{"events": [{"type": "A"}], "condition": {"fail_if_events_match": {"types": [\#(types)]}}}"#
            )
            #expect(manyTypes.status == 422, "\(manyTypes.body.prefix(300))")
            #expect((manyTypes.json["detail"] as? String)?.contains("condition.fail_if_events_match.types holds at most 100 values") == true)
            let query = (0..<101).map { "type=t\($0)" }.joined(separator: "&")
            let manyFilterValues = try await server.get("/topics/orders/events?\(query)")
            #expect(manyFilterValues.status == 422, "\(manyFilterValues.body)")
            let duplicate = try await server.post("/topics/orders/events", json: #"{"type": "A", "metadata": {\#(metadata), "k7": "again"}}"#)
            #expect(duplicate.status == 400, "a duplicate key past the first few is still found")
            #expect(try await server.get("/topics/orders").json["head"] as? Int == 0, "nothing was stored")
        }
    }
}
