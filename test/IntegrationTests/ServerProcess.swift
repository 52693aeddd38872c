import AsyncHTTPClient
import EventStoreTesting
import Foundation
import NIOCore
import NIOHTTP1
import Testing

/// A real `eventstore-api` process on 127.0.0.1, on a port it picked itself, with its own data directory.
///
/// The binary is the one built beside the test bundle (`swift build --build-tests` builds both), or the path in
/// `EVENTSTORE_API_BINARY`. Servers are only reached through ``with(dataDirectory:arguments:environment:_:)``, which
/// stops and reaps each one before the test goes on, and the child dies with the test process whatever ends it
/// (see ``ChildProcess``).
final class ServerProcess: Sendable {
    let dataDirectory: String
    let port: Int
    private let child: ChildProcess

    /// Starts a server, waits until it listens, runs `body` with it, then stops it with SIGTERM and waits for it to
    /// exit, whether `body` returns or throws.
    /// - Parameters:
    ///   - dataDirectory: reuse a directory to restart "the same" server; by default a new temporary one, removed
    ///     afterwards.
    ///   - arguments: extra command-line flags.
    ///   - environment: extra environment variables.
    /// - Throws: ``ServerProcessError`` when the server does not start or does not stop, or what `body` throws.
    static func with<T>(
        dataDirectory: String? = nil,
        arguments: [String] = [],
        environment: [String: String] = [:],
        _ body: (ServerProcess) async throws -> T
    ) async throws -> T {
        guard let dataDirectory else {
            return try await withTemporaryDirectory { directory in
                try await Self.with(dataDirectory: directory, arguments: arguments, environment: environment, body)
            }
        }
        let server = try await Self.start(dataDirectory: dataDirectory, arguments: arguments, environment: environment)
        let result: T
        do {
            result = try await body(server)
        } catch {
            _ = try? await server.stop()
            throw error
        }
        try await server.stop()
        return result
    }

    /// Expects the server to refuse to start with `arguments`, saying `message`.
    static func expectStartupFails(arguments: [String], saying message: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        do {
            try await Self.with(arguments: arguments) { _ in }
            Issue.record("the server started with \(arguments)", sourceLocation: sourceLocation)
        } catch ServerProcessError.exited(let status, let output) {
            #expect(status != 0, sourceLocation: sourceLocation)
            #expect(output.contains(message), "\(arguments): \(output)", sourceLocation: sourceLocation)
        }
    }

    private static func start(dataDirectory: String, arguments: [String], environment: [String: String]) async throws -> ServerProcess {
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("EVENTSTORE_") }
        env.merge(environment) { $1 }
        let child = try await ChildProcess.spawn(
            try Self.binary().path,
            ["--port", "0", "--data-dir", dataDirectory] + arguments,
            environment: env
        )
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let port = Self.listeningPort(in: child.output) {
                return ServerProcess(dataDirectory: dataDirectory, port: port, child: child)
            }
            if let status = child.exitStatus {
                throw ServerProcessError.exited(status: status, output: child.output)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        child.signal(SIGKILL)
        _ = try await child.waitForExit(timeout: .seconds(30))
        throw ServerProcessError.notListening(output: child.output)
    }

    private init(dataDirectory: String, port: Int, child: ChildProcess) {
        self.dataDirectory = dataDirectory
        self.port = port
        self.child = child
    }

    /// Everything the server has written to stdout and stderr so far.
    var log: String { self.child.output }

    var isRunning: Bool { self.child.isRunning }

    private static func listeningPort(in log: String) -> Int? {
        guard let line = log.split(separator: "\n").first(where: { $0.contains("eventstore-api listening") }),
            let range = line.range(of: #"port=(\d+)"#, options: .regularExpression)
        else { return nil }
        return Int(line[range].dropFirst("port=".count))
    }

    /// Sends `signal` without waiting.
    func signal(_ signal: Int32) { self.child.signal(signal) }

    /// Whether a new TCP connection to the server's port is accepted (false once the listener is closed).
    func acceptsConnections() -> Bool {
        (try? RawConnection(port: self.port)) != nil
    }

    /// Sends `signal` and waits for the process to exit; a server that has already exited is only reaped.
    /// - Returns: the exit status (128 plus the signal when a signal ended it).
    /// - Throws: ``ServerProcessError/didNotStop(output:)`` after `timeout` (the server is then killed).
    @discardableResult
    func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(30)) async throws -> Int32 {
        self.child.signal(signal)
        do {
            return try await self.child.waitForExit(timeout: timeout)
        } catch is ChildProcess.Timeout {
            self.child.signal(SIGKILL)
            _ = try? await self.child.waitForExit(timeout: .seconds(10))
            throw ServerProcessError.didNotStop(output: self.log)
        }
    }

    static func binary() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["EVENTSTORE_API_BINARY"] {
            return URL(fileURLWithPath: path)
        }
        let testBinary = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        var directory = testBinary.deletingLastPathComponent()
        // On Linux the test binary is `<build>/eventstorePackageTests.xctest`; on macOS it sits inside a bundle.
        for _ in 0..<4 {
            let candidate = directory.appendingPathComponent("eventstore-api")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        throw ServerProcessError.binaryNotFound(searchedFrom: testBinary.path)
    }

    // MARK: HTTP

    /// A response, with its body parsed as JSON when it is JSON.
    struct Reply: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: String

        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(self.body.utf8))) as? [String: Any] ?? [:]
        }
    }

    /// Sends a request to this server.
    func request(
        _ method: HTTPMethod,
        _ path: String,
        json body: String? = nil,
        headers: [(String, String)] = [],
        timeout: TimeAmount = .seconds(60)
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(self.port)\(path)")
        request.method = method
        if let body {
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        return try await Self.send(request, timeout: timeout)
    }

    /// Sends a request whose body arrives in `parts` (of `length` bytes in all), so a test controls when each is sent.
    func request(_ method: HTTPMethod, _ path: String, streaming parts: AsyncStream<ByteBuffer>, length: Int) async throws -> Reply {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(self.port)\(path)")
        request.method = method
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .stream(parts, length: .known(Int64(length)))
        return try await Self.send(request, timeout: .seconds(60))
    }

    private static func send(_ request: HTTPClientRequest, timeout: TimeAmount) async throws -> Reply {
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
    }

    /// How many requests with `method` the server is handling now, read from its own metrics (for `GET`, the
    /// metrics request itself counts).
    func activeRequests(_ method: String) async throws -> Int {
        let prefix = #"http_server_active_requests{http_request_method="\#(method)"} "#
        let metrics = try await self.get("/metrics").body
        guard let line = metrics.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }) else { return 0 }
        return Int(Double(line.dropFirst(prefix.count)) ?? 0)
    }

    func get(_ path: String) async throws -> Reply { try await self.request(.GET, path) }

    func post(_ path: String, json: String) async throws -> Reply { try await self.request(.POST, path, json: json) }
}

enum ServerProcessError: Error, CustomStringConvertible {
    case binaryNotFound(searchedFrom: String)
    case exited(status: Int32, output: String)
    case notListening(output: String)
    case didNotStop(output: String)

    var description: String {
        switch self {
        case .binaryNotFound(let path): "eventstore-api not found near \(path); run `swift build --build-tests` first"
        case .exited(let status, let output): "the server exited with status \(status):\n\(output)"
        case .notListening(let output): "the server did not start listening:\n\(output)"
        case .didNotStop(let output): "the server did not stop:\n\(output)"
        }
    }
}
