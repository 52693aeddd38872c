import EventStoreTesting
import Foundation
import NIOHTTP1
import Testing

@Suite("Data plane, live server", .serialized)
struct DataPlaneTests {
    @Test func publishAndReadEndToEnd() async throws {
        try await ServerProcess.with { server in
            _ = try await server.post("/topics", json: #"{"name": "orders", "adapter": "memory"}"#)

            let single = try await server.post(
                "/topics/orders/events",
                json:
                    #"{"type": "OrderPlaced", "key": "o-1", "tags": ["customer:7"], "data": {"total": 12.50, "items": ["a"]}, "metadata": {"source": "it"}}"#
            )
            #expect(single.status == 201)
            #expect(single.json["first_offset"] as? Int == 0)
            #expect(single.json["last_offset"] as? Int == 0)

            let batch = try await server.post(
                "/topics/orders/events",
                json: #"{"events": [{"type": "OrderPaid", "key": "o-1"}, {"type": "OrderPlaced", "key": "o-2", "tags": ["customer:8"]}]}"#
            )
            #expect(batch.status == 201)
            let entries = batch.json["events"] as? [[String: Any]]
            #expect(entries?.compactMap { $0["offset"] as? Int } == [1, 2])
            #expect(entries?.allSatisfy { UUID(uuidString: $0["id"] as? String ?? "") != nil } == true)

            let page = try await server.get("/topics/orders/events?from=0&limit=2")
            #expect(page.status == 200)
            let events = page.json["events"] as? [[String: Any]] ?? []
            #expect(events.compactMap { $0["offset"] as? Int } == [0, 1])
            #expect(page.json["next_offset"] as? Int == 2)
            #expect(page.json["head"] as? Int == 3)
            let first = try #require(events.first)
            #expect(first["topic"] as? String == "orders")
            #expect(first["type"] as? String == "OrderPlaced")
            #expect(first["key"] as? String == "o-1")
            #expect(first["tags"] as? [String] == ["customer:7"])
            #expect(first["metadata"] as? [String: String] == ["source": "it"])
            #expect(page.body.contains(#""data":{"total":12.50,"items":["a"]}"#), "data comes back byte for byte, less the whitespace between tokens")
            #expect((first["timestamp"] as? String)?.hasSuffix("Z") == true)

            let rest = try await server.get("/topics/orders/events?from=2")
            #expect((rest.json["events"] as? [[String: Any]])?.count == 1)
            #expect(rest.json["next_offset"] as? Int == 3)

            let byType = try await server.get("/topics/orders/events?type=OrderPlaced")
            #expect((byType.json["events"] as? [[String: Any]])?.compactMap { $0["offset"] as? Int } == [0, 2])
            let byKey = try await server.get("/topics/orders/events?key=o-1")
            #expect((byKey.json["events"] as? [[String: Any]])?.compactMap { $0["offset"] as? Int } == [0, 1])
            let byTag = try await server.get("/topics/orders/events?tag=customer:8")
            #expect((byTag.json["events"] as? [[String: Any]])?.compactMap { $0["offset"] as? Int } == [2])
            let byTypes = try await server.get("/topics/orders/events?type=OrderPaid&type=OrderPlaced&key=o-2")
            #expect((byTypes.json["events"] as? [[String: Any]])?.compactMap { $0["offset"] as? Int } == [2])

            let one = try await server.get("/topics/orders/events/1")
            #expect(one.status == 200)
            #expect(one.json["type"] as? String == "OrderPaid")
            #expect(try await server.get("/topics/orders/events/3").status == 404)
            let beyond = try await server.get("/topics/orders/events?from=10")
            #expect((beyond.json["events"] as? [[String: Any]])?.isEmpty == true)
        }
    }

    @Test func idempotentPublishesReturnTheOriginalOffsets() async throws {
        try await ServerProcess.with { server in
            _ = try await server.post("/topics", json: #"{"name": "orders", "adapter": "memory"}"#)
            let id = UUID().uuidString.lowercased()
            let first = try await server.post("/topics/orders/events", json: #"{"id": "\#(id)", "type": "A"}"#)
            #expect(first.status == 201)
            _ = try await server.post("/topics/orders/events", json: #"{"type": "B"}"#)
            let again = try await server.post("/topics/orders/events", json: #"{"id": "\#(id)", "type": "A"}"#)
            #expect(again.status == 200)
            let entry = (again.json["events"] as? [[String: Any]])?.first
            #expect(entry?["offset"] as? Int == 0)
            #expect(entry?["duplicate"] as? Bool == true)
            #expect(try await server.get("/topics/orders").json["head"] as? Int == 2)
        }
    }

    @Test func conditionsGuardAppends() async throws {
        try await ServerProcess.with { server in
            _ = try await server.post("/topics", json: #"{"name": "courses", "adapter": "memory"}"#)
            let defined = try await server.post(
                "/topics/courses/events",
                json: #"{"events": [{"type": "CourseDefined", "tags": ["course:c1"]}], "condition": {"expected_next_offset": 0}}"#
            )
            #expect(defined.status == 201)
            let stale = try await server.post(
                "/topics/courses/events",
                json: #"{"events": [{"type": "CourseDefined", "tags": ["course:c1"]}], "condition": {"expected_next_offset": 0}}"#
            )
            #expect(stale.status == 409)
            #expect(stale.json["head"] as? Int == 1)
            #expect(stale.json["type"] as? String == "urn:eventstore:problem:condition-failed")

            let dcb =
                #"{"events": [{"type": "CourseDefined", "tags": ["course:c1"]}], "condition": {"fail_if_events_match": {"types": ["CourseDefined"], "tags": ["course:c1"]}, "after": AFTER}}"#
            let matched = try await server.post("/topics/courses/events", json: dcb.replacingOccurrences(of: "AFTER", with: "-1"))
            #expect(matched.status == 409)
            let passed = try await server.post("/topics/courses/events", json: dcb.replacingOccurrences(of: "AFTER", with: "0"))
            #expect(passed.status == 201)
            #expect(try await server.get("/topics/courses").json["head"] as? Int == 2)
        }
    }

    @Test func aLongPollAnswersWhenAnEventArrives() async throws {
        try await ServerProcess.with { server in
            _ = try await server.post("/topics", json: #"{"name": "orders", "adapter": "memory"}"#)
            let polled = Task { try await server.get("/topics/orders/events?from=0&wait=20") }
            try await eventually("the long poll is waiting") { try await server.activeRequests("GET") == 2 }
            #expect(try await server.post("/topics/orders/events", json: #"{"type": "Arrived"}"#).status == 201)
            let reply = try await polled.value
            #expect(reply.status == 200)
            #expect((reply.json["events"] as? [[String: Any]])?.compactMap { $0["type"] as? String } == ["Arrived"])
            let expired = try await server.get("/topics/orders/events?from=1&wait=1")
            #expect((expired.json["events"] as? [[String: Any]])?.isEmpty == true)
            #expect(expired.json["head"] as? Int == 1)
        }
    }

    @Test func concurrentPublishesGetGapFreeOffsets() async throws {
        try await ServerProcess.with { server in
            _ = try await server.post("/topics", json: #"{"name": "orders", "adapter": "memory"}"#)
            let offsets = try await withThrowingTaskGroup(of: [Int].self) { group in
                for client in 0..<8 {
                    group.addTask {
                        var offsets: [Int] = []
                        for index in 0..<40 {
                            let reply = try await server.post("/topics/orders/events", json: #"{"type": "E", "key": "c\#(client)-\#(index)"}"#)
                            offsets.append(reply.json["first_offset"] as? Int ?? -1)
                        }
                        return offsets
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(offsets.sorted() == Array(0..<320))
            let page = try await server.get("/topics/orders/events?limit=1000")
            #expect((page.json["events"] as? [[String: Any]])?.compactMap { $0["offset"] as? Int } == Array(0..<320))
        }
    }

    @Test func configurationComesFromFlagsThenEnvironment() async throws {
        try await ServerProcess.with(
            arguments: ["--max-body-bytes", "300"],
            environment: ["EVENTSTORE_LIMITS_MAX_BATCH_SIZE": "2", "EVENTSTORE_LIMITS_MAX_BODY_BYTES": "999999"]
        ) { server in
            _ = try await server.post("/topics", json: #"{"name": "orders", "adapter": "memory"}"#)
            let batch = try await server.post("/topics/orders/events", json: #"{"events": [{"type": "A"}, {"type": "B"}, {"type": "C"}]}"#)
            #expect(batch.status == 422)
            #expect(batch.json["detail"] as? String == "a batch holds at most 2 events; got 3")
            let big = try await server.post("/topics/orders/events", json: #"{"type": "A", "data": "\#(String(repeating: "x", count: 400))"}"#)
            #expect(big.status == 413, "the flag wins over the environment")
        }
    }

    @Test func invalidSettingsStopStartupWithAMessage() async throws {
        let error = await #expect(throws: ServerProcessError.self) {
            try await ServerProcess.with(environment: ["EVENTSTORE_LOG_LEVEL": "loud"]) { _ in }
        }
        #expect(String(describing: error).contains("log level 'loud'"))
    }
}
