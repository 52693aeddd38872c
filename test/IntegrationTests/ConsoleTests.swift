import EventStoreTesting
import Foundation
import NIOHTTP1
import Testing

/// The web console as HTTP: what `/console` serves, with which headers, to whom. The browser tests
/// (``ConsoleBrowserTests``) check what it does.
@Suite("Web console files")
struct ConsoleTests {
    /// The files the page loads: every `src` and `href` starting with `/console/`.
    static func referencedFiles(_ html: String) -> [String] {
        html.components(separatedBy: "\"/console/").dropFirst().map { String($0.prefix { $0 != "\"" }) }
    }

    @Test func thePageAndItsFilesComeFromTheBinaryWithAStrictPolicy() async throws {
        try await ServerProcess.with { server in
            let page = try await server.get("/console")
            #expect(page.status == 200)
            #expect(page.headers.first(name: "content-type") == "text/html; charset=utf-8")
            let policy = try #require(page.headers.first(name: "content-security-policy"))
            #expect(policy.contains("default-src 'none'") && policy.contains("script-src 'self'") && policy.contains("connect-src 'self'"))
            #expect(!policy.contains("unsafe"))
            #expect(page.headers.first(name: "x-content-type-options") == "nosniff")
            #expect(page.headers.first(name: "referrer-policy") == "no-referrer")
            #expect(!page.body.contains("<script>") && !page.body.contains("style="), "no inline script or style")

            let files = Self.referencedFiles(page.body)
            #expect(Set(files) == ["icon.svg", "console.css", "console.js"])
            let types = ["console.js": "text/javascript; charset=utf-8", "console.css": "text/css; charset=utf-8", "icon.svg": "image/svg+xml"]
            for file in files {
                let reply = try await server.get("/console/" + file)
                #expect(reply.status == 200, "\(file)")
                #expect(reply.headers.first(name: "content-type") == types[file], "\(file)")
                #expect(reply.headers.first(name: "content-security-policy") == policy, "\(file)")
                let addresses = reply.body.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "")  // a name, not a request
                #expect(!addresses.contains("http://") && !addresses.contains("https://"), "\(file) loads nothing from elsewhere")
            }
        }
    }

    @Test func aCurrentCopyIsRevalidatedWithoutItsBody() async throws {
        try await ServerProcess.with { server in
            let first = try await server.get("/console/console.js")
            let tag = try #require(first.headers.first(name: "etag"))
            let again = try await server.request(.GET, "/console/console.js", headers: [("if-none-match", "\"other\", \(tag)")])
            #expect(again.status == 304)
            #expect(again.body.isEmpty)
            #expect(again.headers.first(name: "etag") == tag)
            for list in ["*", "W/\(tag)", "\"a\",W/\(tag)"] {
                #expect(try await server.request(.GET, "/console/console.js", headers: [("if-none-match", list)]).status == 304, "\(list)")
            }
            // 15,000 tags that do not match (60 KB of header), and a list of nothing but separators: the file, whole.
            let many = Array(repeating: "\"x\"", count: 15_000).joined(separator: ",")
            for list in [many, ",,,, ,"] {
                #expect(try await server.request(.GET, "/console/console.js", headers: [("if-none-match", list)]).body == first.body)
            }
            let stale = try await server.request(.GET, "/console/console.js", headers: [("if-none-match", "\"stale\"")])
            #expect(stale.status == 200 && stale.body == first.body)
            #expect(first.headers.first(name: "cache-control") == "no-cache")
        }
    }

    @Test func aFileTheConsoleDoesNotHaveIsNotFound() async throws {
        try await ServerProcess.with { server in
            for name in ["nope.js", "..%2Fcatalog.json", "%2Fetc%2Fpasswd", "console.js%00.png", "CONSOLE.JS", String(repeating: "a", count: 4000)] {
                let reply = try await server.get("/console/" + name)
                #expect(reply.status == 404, "\(name.prefix(40))")
                #expect(reply.headers.first(name: "content-type") == "application/problem+json", "\(name.prefix(40))")
                #expect(!reply.body.contains("root:"), "no file of the machine is served")
            }
        }
    }

    @Test func theConsoleIsPublicWhileTheAPIAsksForATokenAndNoOtherMethodIsServed() async throws {
        let token = try await AccessControlTests.createToken(role: "reader", name: "console")
        try await AccessControlTests.withServer([token]) { server in
            #expect(try await server.get("/console").status == 200)
            #expect(try await server.get("/console/console.js").status == 200)
            #expect(try await server.get("/topics").status == 401)
            let post = try await server.request(.POST, "/console", json: "{}")
            #expect(post.status == 401 || post.status == 405, "\(post.status)")
            let withToken = try await server.request(.DELETE, "/console/console.js", headers: [("authorization", "Bearer \(token.secret)")])
            #expect(withToken.status == 405)
            #expect(withToken.headers.first(name: "allow") == "GET")
        }
    }
}
