import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import Synchronization

/// A real `eventstore-api` process on 127.0.0.1, on a port it picked itself, with its own data directory.
///
/// The binary is the one built beside the test bundle (`swift build --build-tests` builds both), or the path in
/// `EVENTSTORE_API_BINARY`.
final class ServerProcess: Sendable {
    let dataDirectory: String
    private let boundPort = Mutex(0)
    private let process: Process
    private let output: LogBuffer

    /// Starts a server and waits until it listens.
    /// - Parameters:
    ///   - dataDirectory: reuse a directory to restart "the same" server; a new temporary one by default.
    ///   - arguments: extra command-line flags.
    ///   - environment: extra environment variables.
    static func start(
        dataDirectory: String? = nil,
        arguments: [String] = [],
        environment: [String: String] = [:]
    ) async throws -> ServerProcess {
        let directory = dataDirectory ?? FileManager.default.temporaryDirectory.appendingPathComponent("eventstore-it-\(UUID())").path
        let server = try ServerProcess(dataDirectory: directory, arguments: arguments, environment: environment)
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let port = server.listeningPort() {
                server.boundPort.withLock { $0 = port }
                return server
            }
            if !server.process.isRunning {
                throw ServerProcessError.exited(status: server.process.terminationStatus, output: server.log)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        server.process.terminate()
        throw ServerProcessError.notListening(output: server.log)
    }

    private init(dataDirectory: String, arguments: [String], environment: [String: String]) throws {
        self.dataDirectory = dataDirectory
        self.output = LogBuffer()
        self.process = Process()
        self.process.executableURL = try Self.binary()
        self.process.arguments = ["--port", "0", "--data-dir", dataDirectory] + arguments
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("EVENTSTORE_") }
        env.merge(environment) { $1 }
        self.process.environment = env
        let pipe = Pipe()
        self.process.standardOutput = pipe
        self.process.standardError = pipe
        let output = self.output
        pipe.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            guard !data.isEmpty else {
                handle.readabilityHandler = nil
                return
            }
            output.append(String(decoding: data, as: UTF8.self))
        }
        try self.process.run()
    }

    /// The port the server listens on.
    var port: Int { self.boundPort.withLock { $0 } }

    /// Everything the server has written to stdout and stderr so far.
    var log: String { self.output.text }

    var isRunning: Bool { self.process.isRunning }

    private func listeningPort() -> Int? {
        let log = self.log
        guard let line = log.split(separator: "\n").first(where: { $0.contains("eventstore-api listening") }),
            let range = line.range(of: #"port=(\d+)"#, options: .regularExpression)
        else { return nil }
        return Int(line[range].dropFirst("port=".count))
    }

    /// Sends `signal` and waits for the process to exit.
    /// - Returns: the exit status.
    @discardableResult
    func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(30)) async throws -> Int32 {
        if self.process.isRunning { kill(self.process.processIdentifier, signal) }
        let deadline = ContinuousClock.now + timeout
        while self.process.isRunning {
            guard ContinuousClock.now < deadline else {
                kill(self.process.processIdentifier, SIGKILL)
                throw ServerProcessError.didNotStop(output: self.log)
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return self.process.terminationStatus
    }

    deinit {
        if self.process.isRunning { kill(self.process.processIdentifier, SIGKILL) }
    }

    private static func binary() throws -> URL {
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
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        let bytes = try await response.body.collect(upTo: 64 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, body: String(buffer: bytes))
    }

    func get(_ path: String) async throws -> Reply { try await self.request(.GET, path) }

    func post(_ path: String, json: String) async throws -> Reply { try await self.request(.POST, path, json: json) }
}

/// Output collected from the server's pipe.
final class LogBuffer: Sendable {
    private let storage = Mutex("")
    var text: String { self.storage.withLock { $0 } }
    func append(_ text: String) { self.storage.withLock { $0 += text } }
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
