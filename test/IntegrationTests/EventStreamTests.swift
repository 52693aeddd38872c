import AsyncHTTPClient
import EventStoreTesting
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// `GET /topics/{topic}/events/stream` through live servers, read with a plain HTTP client (and a raw socket for a
/// reader that never reads).
@Suite("Event streams (Server-Sent Events), live server")
struct EventStreamTests {
    /// One SSE event (or comment) as a client parses it.
    struct SSEEvent: Sendable {
        var id: Int?
        var event: String?
        var data: String
        var comment: String?

        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(self.data.utf8))) as? [String: Any] ?? [:] }
    }

    /// Reads the stream at `path` until `enough` holds for what arrived, the stream ends, or `timeout` passes.
    static func read(
        _ server: ServerProcess,
        _ path: String,
        headers: [(String, String)] = [],
        timeout: Int64 = 30,
        until enough: ([SSEEvent]) -> Bool
    ) async throws -> (status: Int, contentType: String?, events: [SSEEvent], ended: Bool) {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(server.port)\(path)")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, deadline: .now() + .seconds(timeout))
        let contentType = response.headers.first(name: "content-type")
        guard response.status == .ok else { return (Int(response.status.code), contentType, [], true) }
        var events: [SSEEvent] = []
        var pending = ""
        do {
            for try await chunk in response.body {
                pending += String(buffer: chunk)
                while let end = pending.range(of: "\n\n") {
                    events.append(Self.parse(String(pending[..<end.lowerBound])))
                    pending.removeSubrange(..<end.upperBound)
                }
                if enough(events) { return (200, contentType, events, false) }
            }
        } catch let error as HTTPClientError where error == .deadlineExceeded {
            return (200, contentType, events, false)
        }
        return (200, contentType, events, true)
    }

    static func parse(_ block: String) -> SSEEvent {
        var event = SSEEvent(data: "")
        var data: [String] = []
        for line in block.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix(":") { event.comment = String(line.dropFirst().drop { $0 == " " }); continue }
            let (field, value) = line.firstIndex(of: ":").map { (String(line[..<$0]), String(line[line.index(after: $0)...].drop { $0 == " " })) } ?? (String(line), "")
            switch field {
            case "id": event.id = Int(value)
            case "event": event.event = value
            case "data": data.append(value)
            default: break
            }
        }
        event.data = data.joined(separator: "\n")
        return event
    }

    static func publish(_ server: ServerProcess, _ count: Int, type: String = "E") async throws {
        for start in stride(from: 0, to: count, by: 100) {
            let events = (start..<min(start + 100, count)).map { #"{"type": "\#(type)", "data": {"n": \#($0), "text": "a\nb"}}"# }
            #expect(try await server.post("/topics/orders/events", json: #"{"events": [\#(events.joined(separator: ","))]}"#).status == 201)
        }
    }

    static func createTopic(_ server: ServerProcess) async throws {
        #expect(try await server.post("/topics", json: #"{"name": "orders", "adapter": "memory"}"#).status == 201)
    }

    /// Catch-up from offset 0, then live while another client publishes: every event once, in order, each `data` the
    /// event as a read shows it, on one line.
    @Test func catchUpThenLiveWithNoGapAndNoDuplicate() async throws {
        try await ServerProcess.with { server in
            try await Self.createTopic(server)
            try await Self.publish(server, 150)
            let publishing = Task { () throws -> Void in
                for index in 0..<250 {
                    #expect(try await server.post("/topics/orders/events", json: #"{"type": "Live", "data": {"i": \#(index)}}"#).status == 201)
                }
            }
            let stream = try await Self.read(server, "/topics/orders/events/stream?from=0") { $0.filter { $0.id != nil }.count >= 400 }
            try await publishing.value
            #expect(stream.status == 200)
            #expect(stream.contentType?.hasPrefix("text/event-stream") == true)
            let events = stream.events.filter { $0.id != nil }
            #expect(events.map(\.id) == Array(0..<400))
            #expect(events.map { $0.json["offset"] as? Int } == Array(0..<400))
            #expect(events.prefix(150).allSatisfy { ($0.json["data"] as? [String: Any])?["text"] as? String == "a\nb" }, "a line break in data stays escaped")
            let read = try await server.get("/topics/orders/events/3").body
            #expect(events[3].data == read, "the data line is the event as a read shows it")
        }
    }

    /// `Last-Event-ID` resumes after that offset and wins over `from`; filters narrow the stream like a read; bad
    /// starts and filters are refused before the stream begins; a start past the head waits.
    @Test func lastEventIDResumesAndFiltersNarrow() async throws {
        try await ServerProcess.with(arguments: ["--stream-heartbeat", "0.3"]) { server in
            try await Self.createTopic(server)
            try await Self.publish(server, 10, type: "A")
            try await Self.publish(server, 10, type: "B")
            let resumed = try await Self.read(server, "/topics/orders/events/stream?from=0", headers: [("Last-Event-ID", "4")]) { $0.filter { $0.id != nil }.count >= 15 }
            #expect(resumed.events.compactMap(\.id) == Array(5..<20))
            let filtered = try await Self.read(server, "/topics/orders/events/stream?type=B") { $0.filter { $0.id != nil }.count >= 10 }
            #expect(filtered.events.compactMap(\.id) == Array(10..<20))
            for bad in ["-1", "x", "9223372036854775807"] {
                let refused = try await Self.read(server, "/topics/orders/events/stream", headers: [("Last-Event-ID", bad)]) { _ in true }
                #expect(refused.status == 400, "Last-Event-ID \(bad)")
            }
            #expect(try await Self.read(server, "/topics/nowhere/events/stream") { _ in true }.status == 404)
            let manyTypes = (0..<3000).map { "type=t\($0)" }.joined(separator: "&")
            #expect(try await Self.read(server, "/topics/orders/events/stream?\(manyTypes)") { _ in true }.status == 422)
            #expect(try await Self.read(server, "/topics/orders/events/stream?from=-1") { _ in true }.status == 400)
            // A start past anything stored waits for it: heartbeats only.
            let past = try await Self.read(server, "/topics/orders/events/stream?from=9223372036854775807") { $0.count >= 2 }
            #expect(past.status == 200)
            #expect(past.events.allSatisfy { $0.id == nil && $0.comment == "heartbeat" })
        }
    }

    /// A deleted topic ends its streams with `event: end`; a quiet stream sends heartbeat comments.
    @Test func heartbeatsThenTheEndWhenTheTopicIsDeleted() async throws {
        try await ServerProcess.with(arguments: ["--stream-heartbeat", "0.2"]) { server in
            try await Self.createTopic(server)
            let deleting = Task {
                try await Task.sleep(for: .seconds(1))
                return try await server.request(.DELETE, "/topics/orders").status
            }
            let stream = try await Self.read(server, "/topics/orders/events/stream") { $0.last?.event == "end" }
            #expect(try await deleting.value == 204)
            #expect(stream.events.contains { $0.comment == "heartbeat" })
            #expect(stream.events.last?.event == "end")
            #expect(stream.events.last?.json["reason"] as? String == "the topic was deleted")
        }
    }

    /// A client that never reads is disconnected once more than --stream-max-buffered-bytes wait for it, while
    /// publishing goes on answering 201.
    @Test func aReaderThatFallsBehindIsCutOffWhilePublishingGoesOn() async throws {
        try await ServerProcess.with(arguments: ["--stream-max-buffered-bytes", "65536"]) { server in
            try await Self.createTopic(server)
            let connection = try RawConnection(port: server.port, receiveBuffer: 4096)
            try connection.send("GET /topics/orders/events/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            let big = String(repeating: "x", count: 2000)
            for _ in 0..<60 {
                let events = (0..<50).map { _ in #"{"type": "Big", "data": "\#(big)"}"# }.joined(separator: ",")
                #expect(try await server.post("/topics/orders/events", json: #"{"events": [\#(events)]}"#).status == 201)
            }
            try await eventually("the server says it cut the reader off") { server.log.contains("read too slowly") }
            let received = try await connection.receive(timeout: .seconds(30))
            #expect(received.closed, "the server closed the connection")
            #expect(received.text.utf8.count < 6 << 20, "it did not buffer the whole topic for the reader")
        }
    }

    /// A client that goes away ends its stream: the server notices at its next write (a heartbeat here), and the
    /// request's work stops instead of going on for nobody.
    @Test func aClientThatGoesAwayEndsItsStream() async throws {
        try await ServerProcess.with(arguments: ["--stream-heartbeat", "1"]) { server in
            try await Self.createTopic(server)
            try await Self.publish(server, 3)
            var connection: RawConnection? = try RawConnection(port: server.port)
            try connection?.send("GET /topics/orders/events/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            // The stream, and the request that counts it.
            try await eventually("the stream is open") { try await server.activeRequests("GET") == 2 }
            connection = nil  // closes the socket
            try await eventually("the stream's request ended") { try await server.activeRequests("GET") == 1 }
            // Still served: a new stream gets the events.
            let stream = try await Self.read(server, "/topics/orders/events/stream") { $0.compactMap(\.id).count >= 3 }
            #expect(stream.events.compactMap(\.id) == [0, 1, 2])
        }
    }

    /// A graceful shutdown ends the streams (the response ends cleanly) rather than waiting for them.
    @Test func aShutdownEndsTheStreams() async throws {
        try await ServerProcess.with { server in
            try await Self.createTopic(server)
            try await Self.publish(server, 3)
            let reading = Task { try await Self.read(server, "/topics/orders/events/stream") { _ in false } }
            // The stream, and the request that counts it.
            try await eventually("the stream is open") { try await server.activeRequests("GET") == 2 }
            let started = ContinuousClock.now
            #expect(try await server.stop() == 0)
            #expect(ContinuousClock.now - started < .seconds(15), "the shutdown did not wait for the stream")
            let stream = try await reading.value
            #expect(stream.ended)
            #expect(stream.events.map(\.id) == [0, 1, 2])
        }
    }
}
