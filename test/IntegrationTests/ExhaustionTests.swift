import EventStoreTesting
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// Limits that keep one client from exhausting the server: idle connections, connection count, waiting reads,
/// oversized bodies.
@Suite("Exhaustion limits, live server", .serialized)
struct ExhaustionTests {
    /// Connections that never finish their headers are closed after the idle timeout; a long poll being served is
    /// not idle, however long it waits.
    @Test func idleConnectionsAreClosedButALongPollIsNot() async throws {
        try await ServerProcess.with(arguments: ["--idle-timeout", "1"]) { server in
            _ = try await server.post("/topics", json: #"{"name": "orders", "adapter": "memory"}"#)
            let stalled = try (0..<50).map { _ in try RawConnection(port: server.port) }
            for connection in stalled { try connection.send("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n") }
            // The long poll on a connection of its own (a pooled one could be one the idle timeout is closing).
            let polling = try RawConnection(port: server.port)
            try polling.send("GET /topics/orders/events?from=0&wait=3 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let poll = Task { try await polling.receive(timeout: .seconds(20), untilResponse: true) }
            let started = ContinuousClock.now
            // All at once: one after the other, each wait's return to a busy cooperative pool added up to more than
            // the 20 s bound at the start of a full run.
            let closed = try await withThrowingTaskGroup(of: Bool.self) { group in
                for connection in stalled { group.addTask { try await connection.receive(timeout: .seconds(20)).closed } }
                return try await group.reduce(into: 0) { count, closed in count += closed ? 1 : 0 }
            }
            #expect(closed == stalled.count, "every connection with unfinished headers is closed")
            #expect(ContinuousClock.now - started < .seconds(20))
            let (answer, _) = try await poll.value
            #expect(answer.hasPrefix("HTTP/1.1 200"), "the long poll outlives the idle timeout: \(answer)")
            #expect(ContinuousClock.now - started >= .seconds(2.5), "it waited its 3 s")
        }
    }

    @Test func aBodyThatStopsComingIsClosedToo() async throws {
        try await ServerProcess.with(arguments: ["--idle-timeout", "1"]) { server in
            let connection = try RawConnection(port: server.port)
            try connection.send("POST /topics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"na")
            let (_, closed) = try await connection.receive(timeout: .seconds(20))
            #expect(closed)
            #expect(try await server.get("/topics").body == #"{"topics":[]}"#, "nothing was created")
        }
    }

    /// Past the cap, connections wait to be accepted; they are served once others close.
    @Test func connectionsBeyondTheCapWaitUntilOthersClose() async throws {
        try await ServerProcess.with(arguments: ["--max-connections", "2"]) { server in
            var held = [try RawConnection(port: server.port), try RawConnection(port: server.port)]
            for connection in held {
                try connection.send("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                #expect(try await connection.receive(timeout: .seconds(10), untilResponse: true).text.hasPrefix("HTTP/1.1 200"), "both are served")
            }
            let third = try RawConnection(port: server.port)
            try third.send("GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(try await third.receive(timeout: .seconds(1)).text.isEmpty, "the third waits while two are open")
            held.removeAll()  // closes both
            #expect(try await third.receive(timeout: .seconds(10), untilResponse: true).text.hasPrefix("HTTP/1.1 200"), "then it is served")
        }
    }

    @Test func readsWaitingBeyondTheCapAreTooManyRequests() async throws {
        try await ServerProcess.with(arguments: ["--max-long-polls", "2"]) { server in
            _ = try await server.post("/topics", json: #"{"name": "orders", "adapter": "memory"}"#)
            let polls = (0..<2).map { _ in Task { try await server.get("/topics/orders/events?from=0&wait=20") } }
            try await eventually("two reads are waiting") {
                try await server.get("/metrics").body.contains("eventstore_long_polls_waiting 2")
            }
            let refused = try await server.get("/topics/orders/events?from=0&wait=20")
            #expect(refused.status == 429, "\(refused.body)")
            #expect(refused.headers.first(name: "retry-after") == "1")
            #expect(refused.json["type"] as? String == "urn:eventstore:problem:overloaded")
            #expect(try await server.get("/topics/orders/events?from=0").status == 200, "a read that does not wait is served")
            #expect(try await server.post("/topics/orders/events", json: #"{"type": "A"}"#).status == 201)
            for poll in polls { #expect(try await poll.value.status == 200) }
            #expect(try await server.get("/topics/orders/events?from=1&wait=0").status == 200, "the places are free again")
        }
    }

    /// Publishes past a topic's queue depth are refused at once with 429 and store nothing; the others are stored.
    @Test func publishesBeyondTheQueueDepthAreTooManyRequests() async throws {
        try await ServerProcess.with(arguments: ["--max-queued-appends", "1"]) { server in
            let topic = #"{"name": "orders", "adapter": "fs", "connection": "\#(server.dataDirectory)/topics", "options": {"createDirIfNotExist": "true"}}"#
            #expect(try await server.post("/topics", json: topic).status == 201)
            var (stored, refused) = (0, 0)
            // While one group is being synced, one more publish may wait: of 64 at once, some are refused.
            for _ in 0..<20 where refused == 0 {
                let replies = try await withThrowingTaskGroup(of: ServerProcess.Reply.self) { group in
                    for _ in 0..<64 { group.addTask { try await server.post("/topics/orders/events", json: #"{"type": "Placed"}"#) } }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                for reply in replies {
                    #expect([201, 429].contains(reply.status), "\(reply.status) \(reply.body)")
                    if reply.status == 429 {
                        #expect(reply.headers.first(name: "retry-after") == "1")
                        #expect(reply.json["type"] as? String == "urn:eventstore:problem:overloaded")
                        #expect((reply.json["detail"] as? String)?.contains("already waiting") == true)
                    }
                }
                stored += replies.count { $0.status == 201 }
                refused += replies.count { $0.status == 429 }
            }
            #expect(refused > 0)
            #expect(try await server.get("/topics/orders").json["head"] as? Int == stored, "every 201 is stored, no 429 is")
            #expect(try await server.get("/metrics").body.contains(#"eventstore_append_queue_depth{topic="orders"}"#))
        }
    }

    /// A declared body above the limit is refused at once, before a byte of it is sent.
    @Test func aDeclaredBodyAboveTheLimitIs413BeforeTheBody() async throws {
        try await ServerProcess.with(arguments: ["--max-body-bytes", "1000"]) { server in
            _ = try await server.post("/topics", json: #"{"name": "orders", "adapter": "memory"}"#)
            let connection = try RawConnection(port: server.port)
            try connection.send(
                "POST /topics/orders/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100000000\r\n\r\n"
            )
            let (answer, _) = try await connection.receive(timeout: .seconds(10), untilResponse: true)
            #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer)")
            #expect(answer.contains("application/problem+json"))
            #expect(try await server.get("/topics/orders").json["head"] as? Int == 0)
        }
    }

    /// Pages and callback batches end at the byte budget, with `next_offset` to continue, one event at least.
    @Test func pagesAndCallbacksEndAtTheByteBudget() async throws {
        try await WebhookReceiver.with { receiver in
            try await ServerProcess.with(arguments: ["--max-page-bytes", "5000", "--webhook-allow", "127.0.0.1"]) { server in
                _ = try await server.post("/topics", json: #"{"name": "orders", "adapter": "memory"}"#)
                let padding = String(repeating: "x", count: 2000)
                let events = (0..<10).map { #"{"type": "E\#($0)", "data": "\#(padding)"}"# }.joined(separator: ",")
                #expect(try await server.post("/topics/orders/events", json: #"{"events": [\#(events)]}"#).status == 201)
                let page = try await server.get("/topics/orders/events?from=0&limit=100")
                #expect((page.json["events"] as? [[String: Any]])?.count == 2, "two events of 2 kB fit in 5,000 bytes, not three")
                #expect(page.json["next_offset"] as? Int == 2)
                #expect(page.json["head"] as? Int == 10)

                let subscribed = try await server.post("/topics/orders/subscribe?from=0", json: #"{"callback_url": "\#(receiver.url("big"))"}"#)
                #expect(subscribed.status == 201)
                try await eventually("every event delivered") { receiver.acknowledgedOffsets("big").count == 10 }
                #expect(receiver.acknowledgedOffsets("big") == Array(0..<10))
                #expect(receiver.received("big").allSatisfy { $0.offsets.count <= 2 }, "\(receiver.received("big").map(\.offsets))")
            }
        }
    }

    @Test func aFullMemoryTopicIsInsufficientStorageAndStoresNothingMore() async throws {
        try await ServerProcess.with(arguments: ["--memory-topic-max-bytes", "5000"]) { server in
            _ = try await server.post("/topics", json: #"{"name": "orders", "adapter": "memory"}"#)
            let event = #"{"type": "E", "data": "\#(String(repeating: "x", count: 2000))"}"#
            #expect(try await server.post("/topics/orders/events", json: event).status == 201)
            let batch = try await server.post("/topics/orders/events", json: #"{"events": [\#(event), \#(event)]}"#)
            #expect(batch.status == 507, "\(batch.body)")
            #expect(batch.json["type"] as? String == "urn:eventstore:problem:storage-full")
            #expect(try await server.get("/topics/orders").json["head"] as? Int == 1, "nothing of the batch was stored")
            #expect(try await server.post("/topics/orders/events", json: event).status == 201, "what still fits is stored")
            #expect(try await server.post("/topics/orders/events", json: event).status == 507)
            #expect(try await server.get("/topics/orders/events").status == 200)
        }
    }
}
