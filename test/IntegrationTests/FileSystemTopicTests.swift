import EventStoreTesting
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization
import Testing

@Suite("fs topics, live server", .serialized)
struct FileSystemTopicTests {
    static func createTopic(_ server: ServerProcess, name: String = "orders") async throws {
        let reply = try await server.post(
            "/topics",
            json:
                #"{"name": "\#(name)", "adapter": "fs", "connection": "\#(server.dataDirectory)/topics", "options": {"createDirIfNotExist": "true"}}"#
        )
        #expect(reply.status == 201 || reply.status == 200, "\(reply.body)")
    }

    @Test func eventsSurviveARestart() async throws {
        try await withTemporaryDirectory { directory in
            let before = try await ServerProcess.with(dataDirectory: directory) { first in
                try await Self.createTopic(first)
                #expect(
                    try await first.post("/topics/orders/events", json: #"{"events": [{"type": "A", "data": {"n": 1}}, {"type": "B"}]}"#).status == 201
                )
                return try await first.get("/topics/orders/events").body
            }
            try await ServerProcess.with(dataDirectory: directory) { second throws in
                #expect(try await second.get("/topics/orders/events").body == before)
                #expect(try await second.post("/topics/orders/events", json: #"{"type": "C"}"#).json["first_offset"] as? Int == 2)
            }
        }
    }

    /// Every acknowledged publish was fsync'd first: each of sequential publishes is answered only after the fdatasync
    /// `eventstore_fs_fsyncs_total` counts for it; concurrent ones may share one (group commit), never more than one each.
    @Test func everyAcknowledgedPublishWasSynced() async throws {
        try await ServerProcess.with { server in
            try await Self.createTopic(server)
            func fsyncs() async throws -> Int {
                let line = try await server.get("/metrics").body.split(separator: "\n").first { $0.hasPrefix(#"eventstore_fs_fsyncs_total{topic="orders"}"#) }
                return line.flatMap { $0.split(separator: " ").last }.flatMap { Int(Double($0) ?? -1) } ?? 0
            }
            let before = try await fsyncs()
            for index in 0..<5 {
                #expect(try await server.post("/topics/orders/events", json: #"{"type": "S\#(index)"}"#).status == 201)
                #expect(try await fsyncs() == before + index + 1, "publish \(index) was answered after its own fsync")
            }
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<64 { group.addTask { try await server.post("/topics/orders/events", json: #"{"type": "C\#(index)"}"#).status } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses == Array(repeating: 201, count: 64))
            let grouped = try await fsyncs() - before - 5
            #expect(grouped >= 1 && grouped <= 64, "\(grouped) fsyncs for 64 concurrent publishes")
        }
    }

    /// Publishes from several clients, kills the server with SIGKILL mid-load, restarts it, and checks that every
    /// acknowledged event is there at its offset and that offsets have no gaps.
    @Test func aCrashLosesNoAcknowledgedEvent() async throws {
        try await withTemporaryDirectory { directory in
            try await Self.crashUnderLoadAndCheck(directory: directory)
        }
    }

    private static func crashUnderLoadAndCheck(directory: String) async throws {
        let acknowledged = Acknowledgements()
        try await ServerProcess.with(dataDirectory: directory) { server in
            try await Self.createTopic(server)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for client in 0..<8 {
                    group.addTask {
                        for index in 0..<100_000 {
                            let id = UUID().uuidString.lowercased()
                            let reply: ServerProcess.Reply
                            do {
                                reply = try await server.request(
                                    .POST,
                                    "/topics/orders/events",
                                    json: #"{"id": "\#(id)", "type": "E", "key": "c\#(client)-\#(index)", "data": {"i": \#(index)}}"#,
                                    timeout: .seconds(5)
                                )
                            } catch {
                                return  // the server is gone
                            }
                            guard reply.status == 201, let offset = reply.json["first_offset"] as? Int else { return }
                            acknowledged.record(id: id, offset: offset)
                        }
                    }
                }
                // Kill mid-load: once 500 publishes are acknowledged (however slow a busy machine makes them), or after 60 s.
                let deadline = ContinuousClock.now + .seconds(60)
                while acknowledged.count < 500, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
                try await server.stop(signal: SIGKILL)
                try await group.waitForAll()
            }
        }
        let acked = acknowledged.all
        #expect(acked.count >= 500, "the load ran before the crash")

        let stored = try await ServerProcess.with(dataDirectory: directory) { try await Self.allEventIDs($0) }
        #expect(stored.keys.sorted() == Array(0..<stored.count), "offsets are gap-free from 0")
        let lost = acked.filter { stored[$0.offset] != $0.id }
        #expect(lost.isEmpty, "\(lost.count) acknowledged events are missing or moved, e.g. \(lost.prefix(3))")
    }

    /// Every stored event's id by offset, read page by page.
    static func allEventIDs(_ server: ServerProcess) async throws -> [Int: String] {
        var stored: [Int: String] = [:]
        var next = 0
        while true {
            let page = try await server.get("/topics/orders/events?from=\(next)&limit=5000")
            let events = page.json["events"] as? [[String: Any]] ?? []
            for event in events { stored[event["offset"] as? Int ?? -1] = event["id"] as? String }
            let head = page.json["head"] as? Int ?? 0
            next = page.json["next_offset"] as? Int ?? head
            if next >= head { return stored }
        }
    }

    @Test func aSecondProcessCannotOpenTheSameTopic() async throws {
        try await ServerProcess.with { first in
            try await Self.createTopic(first)
            try await ServerProcess.with(arguments: ["--fs-allowed-root", first.dataDirectory]) { second in
                let reply = try await second.post(
                    "/topics",
                    json: #"{"name": "orders", "adapter": "fs", "connection": "\#(first.dataDirectory)/topics"}"#
                )
                #expect(reply.status == 503)
                #expect((reply.json["detail"] as? String)?.contains("locked by another process") == true)
            }
            #expect(try await first.post("/topics/orders/events", json: #"{"type": "A"}"#).status == 201, "the owner is untouched")
        }
    }

    @Test func aDamagedSealedSegmentFailsItsReadAndMarksTheTopicFailed() async throws {
        try await withTemporaryDirectory { directory in
            try await ServerProcess.with(dataDirectory: directory) { first in
                let created = try await first.post(
                    "/topics",
                    json:
                        #"{"name": "orders", "adapter": "fs", "connection": "\#(directory)/topics", "options": {"createDirIfNotExist": "true", "segmentBytes": "1048576"}}"#
                )
                #expect(created.status == 201, "\(created.body)")
                // 12 events of 100 kB fill the first 1 MiB segment and seal it.
                for index in 0..<12 {
                    let published = try await first.post(
                        "/topics/orders/events",
                        json: #"{"type": "E\#(index)", "data": "\#(String(repeating: "x", count: 100_000))"}"#
                    )
                    #expect(published.status == 201)
                }
            }
            let segment = "\(directory)/topics/orders/00000000000000000000.jsonl"
            var bytes = try Data(contentsOf: URL(fileURLWithPath: segment))
            bytes[50] ^= 0x01
            try bytes.write(to: URL(fileURLWithPath: segment))
            try await Self.expectSealedDamageReported(directory: directory)
        }
    }

    private static func expectSealedDamageReported(directory: String) async throws {
        try await ServerProcess.with(dataDirectory: directory) { second in
            #expect(try await second.get("/health").status == 200, "sealed segments are not read at open")
            let read = try await second.get("/topics/orders/events?from=0")
            #expect(read.status == 503)
            #expect(read.json["type"] as? String == "urn:eventstore:problem:storage-corrupted")
            let health = try await second.get("/health")
            #expect(health.status == 503)
            #expect(((health.json["topics"] as? [[String: Any]])?.first?["reason"] as? String)?.contains("damaged record") == true)
            #expect(try await second.post("/topics/orders/events", json: #"{"type": "X"}"#).status == 503)
        }
    }

    @Test func aDamagedSegmentMarksTheTopicFailed() async throws {
        try await withTemporaryDirectory { directory in
            try await ServerProcess.with(dataDirectory: directory) { first in
                try await Self.createTopic(first)
                for index in 0..<5 { _ = try await first.post("/topics/orders/events", json: #"{"type": "E\#(index)"}"#) }
            }
            let segment = "\(directory)/topics/orders/00000000000000000000.jsonl"
            var bytes = try Data(contentsOf: URL(fileURLWithPath: segment))
            bytes[bytes.firstIndex(of: UInt8(ascii: "\n"))! + 40] ^= 0x01
            try bytes.write(to: URL(fileURLWithPath: segment))
            try await Self.expectDamageReported(directory: directory, segment: segment, bytes: bytes)
        }
    }

    private static func expectDamageReported(directory: String, segment: String, bytes: Data) async throws {
        try await ServerProcess.with(dataDirectory: directory) { second in
            let health = try await second.get("/health")
            #expect(health.status == 503)
            let topic = (health.json["topics"] as? [[String: Any]])?.first
            #expect(topic?["state"] as? String == "failed")
            #expect((topic?["reason"] as? String)?.contains("damaged record") == true)
            #expect(try await second.post("/topics/orders/events", json: #"{"type": "X"}"#).status == 503)
            #expect(try await second.get("/topics/orders/events").status == 503)
            #expect(try Data(contentsOf: URL(fileURLWithPath: segment)) == bytes, "nothing was repaired or overwritten")
        }
    }
}

/// The (id, offset) of every publish the server acknowledged, from many clients.
final class Acknowledgements: Sendable {
    private let entries = Mutex<[(id: String, offset: Int)]>([])
    var all: [(id: String, offset: Int)] { self.entries.withLock { $0 } }
    var count: Int { self.entries.withLock { $0.count } }
    func record(id: String, offset: Int) { self.entries.withLock { $0.append((id, offset)) } }
}
