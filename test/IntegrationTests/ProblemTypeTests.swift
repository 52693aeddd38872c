import EventStoreTesting
import Foundation
import NIOHTTP1
import Testing

/// The problem `type`s of the README's error table: each status answers only the types the table gives it, and each
/// type is served by a request made here or asserted by another test of the suite.
@Suite("Problem types of the README")
struct ProblemTypeTests {
    static let root = #filePath.components(separatedBy: "/test/")[0]

    /// Status → the types the README's error table lists for it (`…:x` spelled out).
    static func readmeTable() throws -> [Int: Set<String>] {
        let readme = try String(contentsOfFile: Self.root + "/README.md", encoding: .utf8)
        var table: [Int: Set<String>] = [:]
        for line in readme.split(separator: "\n") where line.hasPrefix("| 4") || line.hasPrefix("| 5") {
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 2, let status = Int(cells[0]), cells[1].contains("about:blank") || cells[1].contains("problem:") else { continue }
            let types = cells[1].split(separator: ",").map { cell in
                cell.trimmingCharacters(in: CharacterSet(charactersIn: " `")).replacingOccurrences(of: "…:", with: "urn:eventstore:problem:")
            }
            table[status, default: []].formUnion(types)
        }
        return table
    }

    @Test func eachStatusAnswersTheTypesTheREADMEGivesIt() async throws {
        let table = try Self.readmeTable()
        #expect(table[404]?.contains("urn:eventstore:problem:entry-not-found") == true, "the table was read: \(table)")
        let token = try await AccessControlTests.createToken(role: "reader", name: "reader")
        let admin = try await AccessControlTests.createToken(role: "admin", name: "admin")
        try await AccessControlTests.withServer([token, admin], arguments: ["--max-body-bytes", "4096"]) { server in
            let asAdmin = [("authorization", "Bearer \(admin.secret)")]
            let asReader = [("authorization", "Bearer \(token.secret)")]
            func send(_ method: HTTPMethod, _ path: String, _ body: String? = nil, as headers: [(String, String)]) async throws -> ServerProcess.Reply {
                try await server.request(method, path, json: body, headers: headers)
            }
            #expect(try await send(.POST, "/topics", #"{"name": "orders", "adapter": "memory", "projections": [{"name": "state", "kind": "state-by-key"}]}"#, as: asAdmin).status == 201)
            #expect(try await send(.POST, "/topics/orders/events", #"{"type": "A", "key": "k"}"#, as: asAdmin).status == 201)

            var contentTypeHeaders = asAdmin
            contentTypeHeaders.append(("content-type", "text/plain"))
            let requests: [(name: String, reply: ServerProcess.Reply, type: String)] = [
                ("invalid JSON", try await send(.POST, "/topics/orders/events", #"{"type": "#, as: asAdmin), "urn:eventstore:problem:invalid-request"),
                ("no token", try await send(.GET, "/topics", as: []), "about:blank"),
                ("a reader creating a topic", try await send(.POST, "/topics", #"{"name": "x", "adapter": "memory"}"#, as: asReader), "about:blank"),
                ("unknown topic", try await send(.GET, "/topics/nope", as: asAdmin), "urn:eventstore:problem:topic-not-found"),
                ("offset past the head", try await send(.GET, "/topics/orders/events/5", as: asAdmin), "urn:eventstore:problem:event-not-found"),
                ("unknown subscription", try await send(.GET, "/topics/orders/subscriptions/\(UUID())", as: asAdmin), "urn:eventstore:problem:subscription-not-found"),
                ("unknown projection", try await send(.GET, "/topics/orders/projections/nope", as: asAdmin), "urn:eventstore:problem:projection-not-found"),
                ("no entry", try await send(.GET, "/topics/orders/projections/state/entries/absent?min_checkpoint=1&wait=10", as: asAdmin), "urn:eventstore:problem:entry-not-found"),
                ("unknown route", try await send(.GET, "/nowhere", as: asAdmin), "about:blank"),
                ("other method", try await send(.PUT, "/topics", "{}", as: asAdmin), "about:blank"),
                ("failed condition", try await send(.POST, "/topics/orders/events", #"{"events": [{"type": "B"}], "condition": {"expected_next_offset": 0}}"#, as: asAdmin), "urn:eventstore:problem:condition-failed"),
                ("a name bound elsewhere", try await send(.POST, "/topics", #"{"name": "orders", "adapter": "fs", "connection": "/tmp"}"#, as: asAdmin), "urn:eventstore:problem:topic-conflict"),
                ("a projection name taken", try await send(.POST, "/topics/orders/projections", #"{"name": "state", "kind": "stats"}"#, as: asAdmin), "urn:eventstore:problem:projection-conflict"),
                ("a body past --max-body-bytes", try await send(.POST, "/topics/orders/events", #"{"type": "A", "data": "\#(String(repeating: "x", count: 5000))"}"#, as: asAdmin), "about:blank"),
                ("text/plain", try await server.request(.POST, "/topics/orders/events", json: #"{"type": "A"}"#, headers: contentTypeHeaders), "about:blank"),
                ("a type too long", try await send(.POST, "/topics/orders/events", #"{"type": "\#(String(repeating: "t", count: 300))"}"#, as: asAdmin), "urn:eventstore:problem:limit-exceeded"),
                ("an unknown adapter", try await send(.POST, "/topics", #"{"name": "other", "adapter": "tape"}"#, as: asAdmin), "urn:eventstore:problem:unsupported-configuration"),
                ("a refused callback", try await send(.POST, "/topics/orders/subscribe", #"{"callback_url": "http://169.254.169.254/hook"}"#, as: asAdmin), "urn:eventstore:problem:callback-refused"),
                ("a checkpoint not reached", try await send(.GET, "/topics/orders/projections/state?min_checkpoint=99&wait=0", as: asAdmin), "urn:eventstore:problem:wait-timed-out"),
            ]
            for (name, reply, type) in requests {
                let served = reply.json["type"] as? String
                #expect(served == type, "\(name): \(reply.status) \(reply.body)")
                #expect(reply.json["status"] as? Int == reply.status, "\(name)")
                #expect(table[reply.status]?.contains(served ?? "") == true, "\(name): \(reply.status) \(served ?? "none") is not in the README's table")
            }
        }
    }

    /// Every type the README lists is asserted by some test: served above, or by the test that can make the
    /// situation (a full memory topic, a damaged segment, a storage outage, a full queue, a blob frame).
    @Test func everyTypeTheREADMEListsIsAsserted() throws {
        let types = try Self.readmeTable().values.reduce(into: Set<String>()) { $0.formUnion($1) }.filter { $0.hasPrefix("urn:") }
        #expect(types.count >= 17)
        let enumerator = FileManager.default.enumerator(atPath: Self.root + "/test")
        var sources = ""
        while let path = enumerator?.nextObject() as? String {
            if path.hasSuffix(".swift"), !path.hasSuffix("ProblemTypeTests.swift") {
                sources += try String(contentsOfFile: Self.root + "/test/" + path, encoding: .utf8)
            }
        }
        // As a string literal on a line that checks something (not in a comment), or in the requests above, each of
        // which is checked.
        var checks = sources.split(separator: "\n").filter { line in
            !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") && (line.contains("#expect") || line.contains("=="))
        }
        let own = try String(contentsOfFile: #filePath, encoding: .utf8)
        checks += own.components(separatedBy: "let requests:")[1].components(separatedBy: "for (name, reply, type) in requests")[0].split(separator: "\n")
        for type in types.sorted() {
            #expect(checks.contains { $0.contains("\"\(type)\"") }, "no test asserts \(type)")
        }
    }
}
