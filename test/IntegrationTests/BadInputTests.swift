import Foundation
import NIOHTTP1
import Testing

/// Every malformed request gets a 4xx problem+json that says what is wrong, and changes nothing.
@Suite("Bad input, live server", .serialized)
struct BadInputTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var method: HTTPMethod = .POST
        var path: String = "/topics/orders/events"
        var body: String?
        var contentType: String? = "application/json"
        var status: Int
        var detail: String

        var testDescription: String { self.name }
    }

    static let cases: [Case] = [
        Case(name: "invalid JSON", body: #"{"type": "A", "data": {"a": }"#, status: 400, detail: "invalid JSON at byte"),
        Case(name: "truncated JSON", body: #"{"type": "A""#, status: 400, detail: "invalid JSON"),
        Case(name: "empty body", body: "", status: 400, detail: "invalid JSON"),
        Case(name: "non-object body", body: "[1, 2]", status: 400, detail: "must be a JSON object"),
        Case(name: "string body", body: #""OrderPlaced""#, status: 400, detail: "must be a JSON object"),
        Case(name: "missing type", body: #"{"data": {}}"#, status: 400, detail: "type is required"),
        Case(name: "non-string type", body: #"{"type": 42}"#, status: 400, detail: "type must be a string"),
        Case(name: "empty type", body: #"{"type": ""}"#, status: 400, detail: "type must not be empty"),
        Case(
            name: "type too long",
            body: #"{"type": "\#(String(repeating: "t", count: 257))"}"#,
            status: 422,
            detail: "type is longer than 256 bytes"
        ),
        Case(name: "key too long", body: #"{"type": "A", "key": "\#(String(repeating: "k", count: 513))"}"#, status: 422, detail: "key is longer"),
        Case(
            name: "tag too long",
            body: #"{"type": "A", "tags": ["\#(String(repeating: "g", count: 257))"]}"#,
            status: 422,
            detail: "tags[0] is longer"
        ),
        Case(
            name: "too many metadata entries",
            body: #"{"type": "A", "metadata": {\#((0..<65).map { "\"k\($0)\": \"v\"" }.joined(separator: ", "))}}"#,
            status: 422,
            detail: "at most 64 entries"
        ),
        Case(name: "empty batch", body: #"{"events": []}"#, status: 400, detail: "at least one event"),
        Case(
            name: "oversized batch",
            body: #"{"events": [\#(Array(repeating: #"{"type":"A"}"#, count: 1001).joined(separator: ","))]}"#,
            status: 422,
            detail: "at most 1000 events"
        ),
        Case(
            name: "oversized body",
            body: #"{"type": "A", "data": "\#(String(repeating: "x", count: 1 << 20))"}"#,
            status: 413,
            detail: "larger than the limit of 1048576 bytes"
        ),
        Case(name: "invalid UUID", body: #"{"type": "A", "id": "12345"}"#, status: 400, detail: "id must be a UUID"),
        Case(name: "non-string tags", body: #"{"type": "A", "tags": [1]}"#, status: 400, detail: "tags[0] must be a string"),
        Case(name: "tags not an array", body: #"{"type": "A", "tags": "a"}"#, status: 400, detail: "tags must be an array"),
        Case(name: "non-string metadata", body: #"{"type": "A", "metadata": {"k": true}}"#, status: 400, detail: "metadata['k'] must be a string"),
        Case(name: "unknown event field", body: #"{"type": "A", "payload": {}}"#, status: 400, detail: "unknown field 'payload'"),
        Case(
            name: "unknown condition field",
            body: #"{"events": [{"type": "A"}], "condition": {"expected_offset": 1}}"#,
            status: 400,
            detail: "unknown field 'condition.expected_offset'"
        ),
        Case(name: "empty condition", body: #"{"events": [{"type": "A"}], "condition": {}}"#, status: 400, detail: "condition needs"),
        Case(
            name: "duplicate ids in a batch",
            body:
                #"{"events": [{"type": "A", "id": "6f1c3a3e-8f4e-4c55-9b5e-2a0d8f4c1e11"}, {"type": "B", "id": "6f1c3a3e-8f4e-4c55-9b5e-2a0d8f4c1e11"}]}"#,
            status: 400,
            detail: "more than once"
        ),
        Case(
            name: "deeply nested data",
            body: #"{"type": "A", "data": \#(String(repeating: "[", count: 200))\#(String(repeating: "]", count: 200))}"#,
            status: 400,
            detail: "nesting deeper"
        ),
        Case(name: "invalid UTF-8 escape", body: #"{"type": "\ud800"}"#, status: 400, detail: "surrogate"),
        Case(name: "wrong content type", body: #"{"type": "A"}"#, contentType: "text/plain", status: 415, detail: "must be application/json"),
        Case(name: "unknown topic", path: "/topics/missing/events", body: #"{"type": "A"}"#, status: 404, detail: "topic 'missing' does not exist"),
        Case(
            name: "bad topic name on publish",
            path: "/topics/bad%20name/events",
            body: #"{"type": "A"}"#,
            status: 400,
            detail: "invalid topic name"
        ),
        Case(name: "bad topic name on read", method: .GET, path: "/topics/-x/events", status: 400, detail: "invalid topic name"),
        Case(
            name: "too long topic name",
            method: .GET,
            path: "/topics/\(String(repeating: "n", count: 129))",
            status: 400,
            detail: "invalid topic name"
        ),
        Case(name: "negative from", method: .GET, path: "/topics/orders/events?from=-1", status: 400, detail: "from must be a non-negative integer"),
        Case(name: "non-numeric from", method: .GET, path: "/topics/orders/events?from=abc", status: 400, detail: "from must be"),
        Case(name: "wait too long", method: .GET, path: "/topics/orders/events?wait=31", status: 400, detail: "wait must be between 0 and 30"),
        Case(name: "negative wait", method: .GET, path: "/topics/orders/events?wait=-1", status: 400, detail: "wait must be a non-negative"),
        Case(name: "zero limit", method: .GET, path: "/topics/orders/events?limit=0", status: 400, detail: "limit must be between 1 and 10000"),
        Case(name: "huge limit", method: .GET, path: "/topics/orders/events?limit=10001", status: 400, detail: "limit must be between 1 and 10000"),
        Case(name: "non-numeric offset", method: .GET, path: "/topics/orders/events/first", status: 400, detail: "offset must be"),
        Case(name: "offset beyond head", method: .GET, path: "/topics/orders/events/99", status: 404, detail: "no event at offset 99"),
        Case(name: "unknown route", method: .GET, path: "/nothing/here", status: 404, detail: "no route matches"),
        Case(name: "wrong method", method: .PUT, path: "/topics/orders", body: "{}", status: 405, detail: "allowed: DELETE, GET"),
        Case(name: "topic: invalid JSON", path: "/topics", body: "{", status: 400, detail: "not valid JSON"),
        Case(name: "topic: not an object", path: "/topics", body: "[]", status: 400, detail: "must be a JSON object"),
        Case(name: "topic: missing name", path: "/topics", body: #"{"adapter": "memory"}"#, status: 400, detail: "missing field 'name'"),
        Case(
            name: "topic: bad name",
            path: "/topics",
            body: #"{"name": "no/slash", "adapter": "memory"}"#,
            status: 400,
            detail: "invalid topic name"
        ),
        Case(
            name: "topic: non-string adapter",
            path: "/topics",
            body: #"{"name": "t", "adapter": 1}"#,
            status: 400,
            detail: "field 'adapter' must be a string"
        ),
        Case(
            name: "topic: unknown field",
            path: "/topics",
            body: #"{"name": "t", "adapter": "memory", "colour": "red"}"#,
            status: 400,
            detail: "unknown field 'colour'"
        ),
        Case(name: "topic: unknown adapter", path: "/topics", body: #"{"name": "t", "adapter": "s3"}"#, status: 422, detail: "unknown adapter 's3'"),
        Case(
            name: "topic: fs outside the allowed roots",
            path: "/topics",
            body: #"{"name": "t", "adapter": "fs", "connection": "/etc"}"#,
            status: 422,
            detail: "outside the directories fs topics may use"
        ),
        Case(
            name: "topic: blob connection without a key",
            path: "/topics",
            body: #"{"name": "t", "adapter": "blob", "connection": "AccountName=a", "options": {"container": "c"}}"#,
            status: 422,
            detail: "neither AccountKey nor SharedAccessSignature"
        ),
        Case(
            name: "topic: blob endpoint at a metadata address",
            path: "/topics",
            body: #"{"name": "t", "adapter": "blob", "connection": "AccountName=abc;AccountKey=a2V5;BlobEndpoint=http://169.254.169.254/abc", "options": {"container": "c"}}"#,
            status: 422,
            detail: "link-local or metadata address"
        ),
        Case(
            name: "topic: blob unknown option",
            path: "/topics",
            body: #"{"name": "t", "adapter": "blob", "connection": "UseDevelopmentStorage=true", "options": {"container": "events", "tier": "hot"}}"#,
            status: 422,
            detail: "unknown blob option 'tier'"
        ),
        Case(
            name: "topic: blob container name",
            path: "/topics",
            body: #"{"name": "t", "adapter": "blob", "connection": "UseDevelopmentStorage=true", "options": {"container": "Events_1"}}"#,
            status: 422,
            detail: "options.container must be 3 to 63"
        ),
        Case(
            name: "topic: blob prefix escaping its place",
            path: "/topics",
            body: #"{"name": "t", "adapter": "blob", "connection": "UseDevelopmentStorage=true", "options": {"container": "events", "prefix": "a/../b"}}"#,
            status: 422,
            detail: "options.prefix must be"
        ),
        Case(
            name: "topic: postgres unknown option",
            path: "/topics",
            body: #"{"name": "t", "adapter": "postgres", "connection": "postgresql://127.0.0.1:1/x", "options": {"pool": 3}}"#,
            status: 422,
            detail: "unknown postgres option 'pool'"
        ),
        Case(
            name: "topic: postgres pool size out of range",
            path: "/topics",
            body: #"{"name": "t", "adapter": "postgres", "connection": "postgresql://127.0.0.1:1/x", "options": {"poolSize": 0}}"#,
            status: 422,
            detail: "options.poolSize must be an integer from 1 to 1000"
        ),
        Case(
            name: "topic: postgres unreachable",
            path: "/topics",
            body: #"{"name": "t", "adapter": "postgres", "connection": "postgresql://postgres@127.0.0.1:1/x?connect_timeout=2"}"#,
            status: 503,
            detail: "cannot be used"
        ),
        Case(
            name: "topic: blob segmentBytes below two frames",
            path: "/topics",
            body: #"{"name": "t", "adapter": "blob", "connection": "UseDevelopmentStorage=true", "options": {"container": "events", "segmentBytes": "1048576"}}"#,
            status: 422,
            detail: "options.segmentBytes must be"
        ),
        Case(
            name: "topic: blob segmentBytes Int64.max",
            path: "/topics",
            body: #"{"name": "t", "adapter": "blob", "connection": "UseDevelopmentStorage=true", "options": {"container": "events", "segmentBytes": "9223372036854775807"}}"#,
            status: 422,
            detail: "options.segmentBytes must be"
        ),
        Case(
            name: "topic: blob segmentBytes past Int64",
            path: "/topics",
            body: #"{"name": "t", "adapter": "blob", "connection": "UseDevelopmentStorage=true", "options": {"container": "events", "segmentBytes": "99999999999999999999999"}}"#,
            status: 422,
            detail: "options.segmentBytes must be"
        ),
        Case(
            name: "topic: blob prefix with NUL",
            path: "/topics",
            body: #"{"name": "t", "adapter": "blob", "connection": "UseDevelopmentStorage=true", "options": {"container": "events", "prefix": "a\u0000b"}}"#,
            status: 422,
            detail: "may not contain NUL characters"
        ),
        Case(
            name: "topic: blob prefix with a line break",
            path: "/topics",
            body: #"{"name": "t", "adapter": "blob", "connection": "UseDevelopmentStorage=true", "options": {"container": "events", "prefix": "a\nb"}}"#,
            status: 422,
            detail: "options.prefix must be"
        ),
        Case(
            name: "topic: blob prefix of 600 characters",
            path: "/topics",
            body: #"{"name": "t", "adapter": "blob", "connection": "UseDevelopmentStorage=true", "options": {"container": "events", "prefix": "pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp"}}"#,
            status: 422,
            detail: "options.prefix must be"
        ),
        Case(
            name: "topic: blob prefix with a leading slash",
            path: "/topics",
            body: #"{"name": "t", "adapter": "blob", "connection": "UseDevelopmentStorage=true", "options": {"container": "events", "prefix": "/orders"}}"#,
            status: 422,
            detail: "options.prefix must be"
        ),
        Case(
            name: "topic: blob createContainerIfNotExist not a boolean",
            path: "/topics",
            body: #"{"name": "t", "adapter": "blob", "connection": "UseDevelopmentStorage=true", "options": {"container": "events", "createContainerIfNotExist": "yes"}}"#,
            status: 422,
            detail: "must be \"true\" or \"false\""
        ),
        Case(
            name: "topic: blob without container",
            path: "/topics",
            body: #"{"name": "t", "adapter": "blob", "connection": "UseDevelopmentStorage=true"}"#,
            status: 422,
            detail: "requires options.container"
        ),
        Case(
            name: "topic: fs without connection",
            path: "/topics",
            body: #"{"name": "t", "adapter": "fs"}"#,
            status: 422,
            detail: "requires connection"
        ),
        Case(
            name: "topic: conflicting config",
            path: "/topics",
            body: #"{"name": "orders", "adapter": "memory", "options": {"a": "b"}}"#,
            status: 409,
            detail: "different configuration"
        ),
        Case(name: "delete unknown topic", method: .DELETE, path: "/topics/missing", status: 404, detail: "does not exist"),
        Case(name: "subscribe: not an object", path: "/topics/orders/subscribe", body: "[]", status: 400, detail: "must be a JSON object"),
        Case(name: "subscribe: no callback_url", path: "/topics/orders/subscribe", body: "{}", status: 400, detail: "callback_url is required"),
        Case(
            name: "subscribe: non-string callback_url",
            path: "/topics/orders/subscribe",
            body: #"{"callback_url": 5}"#,
            status: 400,
            detail: "callback_url must be a string"
        ),
        Case(
            name: "subscribe: unknown field",
            path: "/topics/orders/subscribe",
            body: #"{"callback_url": "http://127.0.0.1:9/h", "url": "x"}"#,
            status: 400,
            detail: "unknown field 'url'"
        ),
        Case(
            name: "subscribe: relative URL",
            path: "/topics/orders/subscribe",
            body: #"{"callback_url": "/hooks/x"}"#,
            status: 400,
            detail: "absolute http or https URL"
        ),
        Case(
            name: "subscribe: ftp URL",
            path: "/topics/orders/subscribe",
            body: #"{"callback_url": "ftp://127.0.0.1/x"}"#,
            status: 400,
            detail: "must use http or https"
        ),
        Case(
            name: "subscribe: credentials in the URL",
            path: "/topics/orders/subscribe",
            body: #"{"callback_url": "http://user:secret@127.0.0.1:9/h"}"#,
            status: 400,
            detail: "must not carry credentials"
        ),
        Case(
            name: "subscribe: cloud metadata address",
            path: "/topics/orders/subscribe",
            body: #"{"callback_url": "http://169.254.169.254/latest/meta-data/"}"#,
            status: 422,
            detail: "never allowed"
        ),
        Case(
            name: "subscribe: IPv6 link-local address",
            path: "/topics/orders/subscribe",
            body: #"{"callback_url": "http://[fe80::1]:8080/h"}"#,
            status: 422,
            detail: "never allowed"
        ),
        Case(
            name: "subscribe: IPv4-mapped metadata address",
            path: "/topics/orders/subscribe",
            body: #"{"callback_url": "http://[::ffff:169.254.169.254]/h"}"#,
            status: 422,
            detail: "never allowed"
        ),
        Case(
            name: "subscribe: host that does not resolve",
            path: "/topics/orders/subscribe",
            body: #"{"callback_url": "http://nowhere.invalid/h"}"#,
            status: 422,
            detail: "does not resolve"
        ),
        Case(
            name: "subscribe: zero batch_size",
            path: "/topics/orders/subscribe",
            body: #"{"callback_url": "http://127.0.0.1:9/h", "batch_size": 0}"#,
            status: 400,
            detail: "batch_size must be between 1 and 1000"
        ),
        Case(
            name: "subscribe: non-integer batch_size",
            path: "/topics/orders/subscribe",
            body: #"{"callback_url": "http://127.0.0.1:9/h", "batch_size": "10"}"#,
            status: 400,
            detail: "batch_size must be an integer"
        ),
        Case(
            name: "subscribe: types not an array",
            path: "/topics/orders/subscribe",
            body: #"{"callback_url": "http://127.0.0.1:9/h", "types": "A"}"#,
            status: 400,
            detail: "types must be an array"
        ),
        Case(
            name: "subscribe: negative from",
            path: "/topics/orders/subscribe?from=-1",
            body: #"{"callback_url": "http://127.0.0.1:9/h"}"#,
            status: 400,
            detail: "from must be a non-negative integer"
        ),
        Case(
            name: "subscribe: unknown topic",
            path: "/topics/missing/subscribe",
            body: #"{"callback_url": "http://127.0.0.1:9/h"}"#,
            status: 404,
            detail: "topic 'missing' does not exist"
        ),
        Case(
            name: "subscription: unknown id",
            method: .GET,
            path: "/topics/orders/subscriptions/6f1c3a3e-8f4e-4c55-9b5e-2a0d8f4c1e11",
            status: 404,
            detail: "has no subscription"
        ),
        Case(name: "subscription: malformed id", method: .GET, path: "/topics/orders/subscriptions/xyz", status: 404, detail: "has no subscription"),
        Case(
            name: "unsubscribe: unknown id",
            method: .DELETE,
            path: "/topics/orders/subscriptions/6f1c3a3e-8f4e-4c55-9b5e-2a0d8f4c1e11",
            status: 404,
            detail: "has no subscription"
        ),
        Case(name: "subscriptions of an unknown topic", method: .GET, path: "/topics/missing/subscriptions", status: 404, detail: "does not exist"),
        Case(
            name: "failed condition",
            body: #"{"events": [{"type": "A"}], "condition": {"expected_next_offset": 0}}"#,
            status: 409,
            detail: "the topic's head is 3"
        ),
    ]

    @Test func everyBadRequestGetsAProblemAndChangesNothing() async throws {
        try await ServerProcess.with { server in
            #expect(try await server.post("/topics", json: #"{"name": "orders", "adapter": "memory"}"#).status == 201)
            #expect(
                try await server.post("/topics/orders/events", json: #"{"events": [{"type": "A"}, {"type": "B", "data": [1]}, {"type": "C"}]}"#).status
                    == 201
            )
            let eventsBefore = try await server.get("/topics/orders/events?limit=1000").body
            let topicsBefore = try await server.get("/topics").body

            for badCase in Self.cases {
                var headers: [(String, String)] = []
                if let contentType = badCase.contentType { headers.append(("content-type", contentType)) }
                let reply = try await server.request(badCase.method, badCase.path, json: badCase.body, headers: headers)
                #expect(reply.status == badCase.status, "\(badCase.name): \(reply.body)")
                #expect(reply.headers.first(name: "content-type") == "application/problem+json", "\(badCase.name)")
                let problem = reply.json
                #expect(problem["status"] as? Int == badCase.status, "\(badCase.name)")
                #expect(problem["title"] is String, "\(badCase.name)")
                #expect(problem["type"] is String, "\(badCase.name)")
                let detail = problem["detail"] as? String ?? ""
                #expect(detail.contains(badCase.detail), "\(badCase.name): detail was '\(detail)'")
            }

            let health = try await server.get("/health")
            #expect(health.status == 200)
            #expect(try await server.get("/topics/orders/events?limit=1000").body == eventsBefore, "stored events are intact")
            #expect(try await server.get("/topics").body == topicsBefore, "topics are unchanged")
            #expect(try await server.get("/topics/orders/subscriptions").body == #"{"subscriptions":[]}"#, "no subscription was made")
            #expect(server.isRunning)
        }
    }

    @Test func wrongMethodsListWhatIsAllowed() async throws {
        try await ServerProcess.with { server in
            let reply = try await server.request(.PATCH, "/topics")
            #expect(reply.status == 405)
            #expect(reply.headers.first(name: "allow") == "GET, POST")
        }
    }
}
