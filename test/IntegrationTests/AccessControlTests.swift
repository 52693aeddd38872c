import AsyncHTTPClient
import EventStoreTesting
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Testing

/// Bearer tokens with roles, per-topic tokens, subscription owners, TLS: against a live server.
@Suite("Access control and TLS, live server", .serialized)
struct AccessControlTests {
    /// A token made by `eventstore-api token create`, and its line for the tokens file.
    struct Token {
        var secret: String
        var entry: String

        var header: [(String, String)] { [("authorization", "Bearer \(self.secret)")] }
    }

    static func createToken(role: String, name: String, topics: [String] = []) async throws -> Token {
        let binary = try ServerProcess.binary().path
        let child = try await ChildProcess.spawn(binary, ["token", "create", "--role", role, "--name", name] + (topics.isEmpty ? [] : ["--topics"] + topics))
        let status = try await child.waitForExit(timeout: .seconds(30))
        let lines = child.output.split(separator: "\n")
        guard status == 0, let token = lines.first(where: { $0.hasPrefix("token: ") }), let entry = lines.first(where: { $0.hasPrefix("tokens file entry: ") })
        else { throw ServerProcessError.exited(status: status, output: child.output) }
        return Token(secret: String(token.dropFirst("token: ".count)), entry: String(entry.dropFirst("tokens file entry: ".count)))
    }

    /// A throwaway certificate for 127.0.0.1 and its key, `cert.pem` and `key.pem` in `directory`, made by `openssl`.
    static func makeCertificate(in directory: String) async throws {
        let openssl = try await ChildProcess.spawn(
            "openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", directory + "/key.pem", "-out", directory + "/cert.pem",
            ]
        )
        try #require(try await openssl.waitForExit(timeout: .seconds(60)) == 0, "openssl: \(openssl.output)")
    }

    /// Runs `body` with a server whose tokens file holds `tokens`.
    static func withServer(_ tokens: [Token], arguments: [String] = [], _ body: (ServerProcess) async throws -> Void) async throws {
        try await withTemporaryDirectory { directory in
            let file = directory + "/tokens.json"
            try Data("[\(tokens.map(\.entry).joined(separator: ",\n"))]".utf8).write(to: URL(fileURLWithPath: file))
            try await ServerProcess.with(arguments: ["--tokens-file", file, "--webhook-allow", "127.0.0.1"] + arguments, body)
        }
    }

    @Test func rolesDecideWhatATokenMayDo() async throws {
        let admin = try await Self.createToken(role: "admin", name: "ops")
        let writer = try await Self.createToken(role: "writer", name: "shop")
        let reader = try await Self.createToken(role: "reader", name: "report")
        try await Self.withServer([admin, writer, reader]) { server in
            // No token: only the public routes.
            let anonymous = try await server.get("/topics")
            #expect(anonymous.status == 401)
            #expect(anonymous.headers.first(name: "www-authenticate") == #"Bearer realm="eventstore""#)
            #expect(anonymous.headers.first(name: "content-type") == "application/problem+json")
            for path in ["/health/live", "/openapi.yaml", "/health", "/metrics"] {
                #expect(try await server.get(path).status == 200, "\(path) is public")
            }
            let forged = try await server.request(.GET, "/topics", headers: [("authorization", "Bearer \(String(repeating: "A", count: 43))")])
            #expect(forged.status == 401)
            #expect(forged.headers.first(name: "www-authenticate")?.contains("invalid_token") == true)
            #expect(try await server.request(.GET, "/topics", headers: [("authorization", "Basic \(reader.secret)")]).status == 401)

            // Admin: topics.
            let created = try await server.request(.POST, "/topics", json: #"{"name": "orders", "adapter": "memory"}"#, headers: admin.header)
            #expect(created.status == 201, "\(created.body)")
            // Writer: publish, not topics.
            #expect(try await server.request(.POST, "/topics/orders/events", json: #"{"type": "A"}"#, headers: writer.header).status == 201)
            let writerCreates = try await server.request(.POST, "/topics", json: #"{"name": "other", "adapter": "memory"}"#, headers: writer.header)
            #expect(writerCreates.status == 403)
            #expect(writerCreates.headers.first(name: "www-authenticate")?.contains("insufficient_scope") == true)
            // Reader: read, not publish.
            #expect(try await server.request(.GET, "/topics/orders/events", headers: reader.header).status == 200)
            #expect(try await server.request(.GET, "/topics/orders/events?from=0&wait=1", headers: reader.header).status == 200)
            let readerPublishes = try await server.request(.POST, "/topics/orders/events", json: #"{"type": "B"}"#, headers: reader.header)
            #expect(readerPublishes.status == 403, "\(readerPublishes.body)")
            #expect(try await server.request(.DELETE, "/topics/orders", headers: writer.header).status == 403)
            #expect(try await server.request(.GET, "/topics/orders", headers: admin.header).json["head"] as? Int == 1, "refusals changed nothing")
            #expect(try await server.request(.DELETE, "/topics/orders", headers: admin.header).status == 204)

            let log = server.log
            for token in [admin, writer, reader] { #expect(!log.contains(token.secret), "tokens are never logged") }
        }
    }

    @Test func aTokenLimitedToSomeTopicsSeesOnlyThose() async throws {
        let admin = try await Self.createToken(role: "admin", name: "ops")
        let scoped = try await Self.createToken(role: "writer", name: "orders-team", topics: ["orders-*", "audit"])
        let scopedAdmin = try await Self.createToken(role: "admin", name: "orders-admin", topics: ["orders-*"])
        try await Self.withServer([admin, scoped, scopedAdmin]) { server in
            for name in ["orders-eu", "audit", "secret"] {
                #expect(try await server.request(.POST, "/topics", json: #"{"name": "\#(name)", "adapter": "memory"}"#, headers: admin.header).status == 201)
            }
            let listed = try await server.request(.GET, "/topics", headers: scoped.header).json["topics"] as? [[String: Any]]
            #expect(listed?.compactMap { $0["name"] as? String } == ["audit", "orders-eu"])
            #expect(try await server.request(.POST, "/topics/orders-eu/events", json: #"{"type": "A"}"#, headers: scoped.header).status == 201)
            for (method, path) in [(HTTPMethod.GET, "/topics/secret"), (.GET, "/topics/secret/events"), (.POST, "/topics/secret/events")] {
                let hidden = try await server.request(method, path, json: method == .POST ? #"{"type": "A"}"# : nil, headers: scoped.header)
                #expect(hidden.status == 404, "\(method) \(path): \(hidden.body)")
            }
            // /health shows only the topics a token may use, and none without a token.
            let healthTopics = { (headers: [(String, String)]) async throws -> [String] in
                let topics = try await server.request(.GET, "/health", headers: headers).json["topics"] as? [[String: Any]]
                return topics?.compactMap { $0["name"] as? String } ?? []
            }
            #expect(try await healthTopics(scoped.header) == ["audit", "orders-eu"])
            #expect(try await healthTopics([]) == [])
            #expect(try await healthTopics(admin.header) == ["audit", "orders-eu", "secret"])
            let outside = try await server.request(.POST, "/topics", json: #"{"name": "billing", "adapter": "memory"}"#, headers: scopedAdmin.header)
            #expect(outside.status == 403, "\(outside.body)")
            #expect(try await server.request(.POST, "/topics", json: #"{"name": "orders-us", "adapter": "memory"}"#, headers: scopedAdmin.header).status == 201)
        }
    }

    /// A reader sees and ends only its own subscriptions; an admin sees and ends everyone's.
    @Test func subscriptionsBelongToTheTokenThatMadeThem() async throws {
        let admin = try await Self.createToken(role: "admin", name: "ops")
        let alice = try await Self.createToken(role: "reader", name: "alice")
        let bob = try await Self.createToken(role: "reader", name: "bob")
        try await WebhookReceiver.with { receiver in
            try await Self.withServer([admin, alice, bob]) { server in
                #expect(try await server.request(.POST, "/topics", json: #"{"name": "orders", "adapter": "memory"}"#, headers: admin.header).status == 201)
                let subscribed = try await server.request(
                    .POST,
                    "/topics/orders/subscribe",
                    json: #"{"callback_url": "\#(receiver.url("alice"))"}"#,
                    headers: alice.header
                )
                #expect(subscribed.status == 201, "\(subscribed.body)")
                let id = try #require(subscribed.json["id"] as? String)
                func ids(_ token: Token) async throws -> [String] {
                    let list = try await server.request(.GET, "/topics/orders/subscriptions", headers: token.header).json["subscriptions"]
                    return (list as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
                }
                #expect(try await ids(alice) == [id])
                #expect(try await ids(bob) == [])
                #expect(try await ids(admin) == [id])
                #expect(try await server.request(.GET, "/topics/orders/subscriptions/\(id)", headers: bob.header).status == 404)
                #expect(try await server.request(.DELETE, "/topics/orders/subscriptions/\(id)", headers: bob.header).status == 404)
                #expect(try await server.request(.GET, "/topics/orders/subscriptions/\(id)", headers: alice.header).status == 200)
                #expect(try await server.request(.DELETE, "/topics/orders/subscriptions/\(id)", headers: admin.header).status == 204)
            }
        }
    }

    @Test func privateHealthAndMetricsNeedAToken() async throws {
        let reader = try await Self.createToken(role: "reader", name: "monitor")
        try await Self.withServer([reader], arguments: ["--private-health", "--private-metrics"]) { server throws in
            for path in ["/health", "/metrics"] {
                #expect(try await server.get(path).status == 401, "\(path)")
                #expect(try await server.request(.GET, path, headers: reader.header).status == 200, "\(path)")
            }
            #expect(try await server.get("/health/live").status == 200)
        }
    }

    @Test func unusableAccessSettingsStopStartupNamingThem() async throws {
        for (arguments, message) in [
            (["--host", "0.0.0.0"], "needs bearer tokens (--tokens-file)"),
            (["--host", "127.example.com"], "needs bearer tokens (--tokens-file)"),
            (["--tokens-file", "/nonexistent/tokens.json"], "cannot read the tokens file"),
            (["--tls-cert", "/nonexistent/cert.pem"], "--tls-cert and --tls-key go together"),
        ] {
            try await ServerProcess.expectStartupFails(arguments: arguments, saying: message)
        }
        try await withTemporaryDirectory { directory in
            for (content, message) in [
                ("{", "not a JSON array"),
                (#"[{"name": "x", "role": "root", "sha256": "00"}]"#, "not a JSON array"),
                (#"[{"name": "x", "role": "admin", "sha256": "abcd"}]"#, "sha256 must be 64 hex digits"),
                (#"[{"name": "x", "role": "admin", "topics": ["a b"], "sha256": "\#(String(repeating: "0", count: 64))"}]"#, "topic pattern"),
            ] {
                let file = directory + "/tokens.json"
                try Data(content.utf8).write(to: URL(fileURLWithPath: file))
                try await ServerProcess.expectStartupFails(arguments: ["--tokens-file", file], saying: message)
            }
        }
    }

    /// HTTPS with a throwaway certificate made for the test; plain HTTP to the same port fails.
    @Test func tlsServesHTTPS() async throws {
        try await withTemporaryDirectory { directory in
            try await Self.makeCertificate(in: directory)
            try await ServerProcess.with(arguments: ["--tls-cert", directory + "/cert.pem", "--tls-key", directory + "/key.pem"]) { server in
                var tls = TLSConfiguration.makeClientConfiguration()
                tls.trustRoots = .file(directory + "/cert.pem")
                let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: .init(tlsConfiguration: tls))
                do {
                    let response = try await client.execute(HTTPClientRequest(url: "https://127.0.0.1:\(server.port)/health"), timeout: .seconds(30))
                    #expect(response.status == .ok)
                    let body = try await response.body.collect(upTo: 1 << 20)
                    #expect(String(buffer: body).contains(#""status":"ok""#))
                } catch {
                    try await client.shutdown()
                    throw error
                }
                try await client.shutdown()
                await #expect(throws: (any Error).self, "plain HTTP is not served") {
                    _ = try await server.request(.GET, "/health", timeout: .seconds(10))
                }
            }
        }
    }
}
