import EventStoreTesting
import Foundation
import NIOHTTP1
import Testing

/// Schemathesis (PyPI `schemathesis`) fuzzes a live server from its own OpenAPI document: every operation, with
/// generated and mutated requests, boundary values and chains of calls. The run fails on any 5xx (but the 504 the
/// document gives projection reads that wait), on a status code, content type, header or body the document does not
/// allow, on a request left unanswered (a hang or a crash), on an operation that answers without the token, and when
/// the server does not stop cleanly afterwards.
///
/// The server runs with tokens on and allow lists that keep every outbound connection on 127.0.0.1, to ports where
/// nothing listens (PostgreSQL servers, Blob endpoints), or to the webhook receivers of this machine: fuzzing never
/// sends traffic anywhere else. Three runs share the time budget (`EVENTSTORE_FUZZ_SECONDS`: 240 under CI, 45
/// otherwise): one on a memory topic, one on an fs topic (both with projections), one on whatever topic names it makes
/// up. Without schemathesis the test is skipped with a message, except under CI.
@Suite("API fuzzing with schemathesis", .serialized)
struct APIFuzzingTests {
    static var budget: Int {
        if let text = ProcessInfo.processInfo.environment["EVENTSTORE_FUZZ_SECONDS"], let seconds = Int(text), seconds >= 3 { return seconds }
        return ProcessInfo.processInfo.environment["CI"] != nil ? 240 : 45
    }

    @Test func theServedDocumentHoldsUnderFuzzing() async throws {
        guard await ExternalTool.pythonModuleIsAvailable("schemathesis") else {
            print("note: the API was not fuzzed; pip install schemathesis to fuzz it")
            return
        }
        let token = try await AccessControlTests.createToken(role: "admin", name: "fuzz")
        try await withTemporaryDirectory { directory in
            let tokens = directory + "/tokens.json"
            try Data("[\(token.entry)]".utf8).write(to: URL(fileURLWithPath: tokens))
            let arguments = [
                "--tokens-file", tokens, "--webhook-allow", "127.0.0.1", "--postgres-allow", "127.0.0.1:1", "--blob-allow", "127.0.0.1:1",
                "--fs-allowed-root", directory + "/topics", "--idle-timeout", "5",
            ]
            try await ServerProcess.with(dataDirectory: directory + "/data", arguments: arguments) { server in
                let bearer = [("authorization", "Bearer \(token.secret)")]
                let projections = #"[{"name": "state", "kind": "state-by-key"}, {"name": "stats", "kind": "stats"}, {"name": "latest", "kind": "latest-by-key"}]"#
                for topic in [
                    #"{"name": "mem", "adapter": "memory", "projections": \#(projections)}"#,
                    #"{"name": "files", "adapter": "fs", "connection": "\#(directory)/topics", "options": {"createDirIfNotExist": "true"}, "projections": \#(projections)}"#,
                ] {
                    let created = try await server.request(.POST, "/topics", json: topic, headers: bearer)
                    try #require(created.status == 201, "\(created.body)")
                }
                let seconds = Self.budget
                for (topic, share) in [("mem", 2), ("files", 2), (nil, 1)] as [(String?, Int)] {
                    let config = directory + "/schemathesis-\(topic ?? "any").toml"
                    try Data(Self.configuration(token: token.secret, topic: topic).utf8).write(to: URL(fileURLWithPath: config))
                    let (status, output) = try await ExternalTool.run([
                        "python3", "-m", "schemathesis.cli", "--config-file", config, "run", "http://127.0.0.1:\(server.port)/openapi.yaml",
                        "--max-time", String(max(1, seconds * share / 5)), "--workers", "2", "--no-color",
                    ])
                    let verdict = Self.verdict(status: status, output: output)
                    #expect(verdict == nil, "topic \(topic ?? "any"): \(verdict ?? "")\n\(output)")
                    // At least a case per second of its budget (this machine makes several even when busy).
                    let generated = Self.casesGenerated(output)
                    #expect(generated >= max(1, seconds * share / 5), "topic \(topic ?? "any"): only \(generated) cases were run\n\(output.suffix(3000))")
                }
                let exit = try await server.stop()
                #expect(exit == 0, "the fuzzed server stops cleanly on SIGTERM; its log:\n\(server.log.suffix(4000))")
            }
        }
    }

    /// Why a run failed, or nil. Schemathesis also reports its own internal errors (a traceback inside hypothesis or
    /// schemathesis): those say nothing about the server and are only printed.
    static func verdict(status: Int32, output: String) -> String? {
        guard status != 0 else { return nil }
        if output.contains("\nFailures:") { return "schemathesis found failures" }
        if output.contains("Network Error") { return "a request went unanswered (a hang, or the server died)" }
        if output.contains("Runtime Error") {
            print("note: schemathesis reported an error of its own (not of the server):\n\(output.suffix(3000))")
            return nil
        }
        return "schemathesis exited with \(status)"
    }

    /// How many test cases the run generated, from its summary (`Test cases:` then `N generated, ...`).
    static func casesGenerated(_ output: String) -> Int {
        guard let range = output.range(of: "Test cases:") else { return 0 }
        let digits = output[range.upperBound...].drop { !$0.isNumber }.prefix { $0.isNumber }
        return Int(digits) ?? 0
    }

    /// The run's configuration: the token on every request (the `ignored_auth` and `missing_required_header` checks
    /// take it away), `topic` fixed when given (and its deletion left out, so the topic stays for the whole run),
    /// waits up to the API's 30 s answered.
    static func configuration(token: String, topic: String?) -> String {
        var text = """
            headers = { Authorization = "Bearer \(token)" }
            request-timeout = 45.0
            # No state kept between runs (nor a .schemathesis directory left in the working directory).
            cache = { enabled = false }

            [checks]
            enabled = false
            not_a_server_error.enabled = true
            status_code_conformance.enabled = true
            content_type_conformance.enabled = true
            response_headers_conformance.enabled = true
            response_schema_conformance.enabled = true
            ignored_auth.enabled = true
            missing_required_header.enabled = true

            # A stream never ends by design (EventStreamTests check it with a client that reads it).
            [[operations]]
            include-name = "GET /topics/{topic}/events/stream"
            enabled = false

            # The document's one intended 5xx: a projection read that waited for min_checkpoint in vain (504).
            [[operations]]
            include-path-regex = "/projections/"
            include-method = "GET"
            checks.not_a_server_error.expected-statuses = ["1XX", "2XX", "3XX", "4XX", "504"]

            """
        if let topic {
            text += """

                [parameters]
                topic = "\(topic)"

                [[operations]]
                include-name = "DELETE /topics/{topic}"
                enabled = false

                """
        }
        return text
    }
}
