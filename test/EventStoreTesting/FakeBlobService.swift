import Foundation
import Testing

/// The fake Blob service of `test/FakeBlobService/fake_blob_server.py` (see its documentation): one per test process,
/// started on 127.0.0.1 when a test first needs it, each test given a container of its own (faults and counts are
/// per container). It verifies every request's signature with Microsoft's azure-storage-blob: without that package,
/// ``with(_:)`` skips the test with a message, except under CI (`CI` set), where it must run.
public struct FakeBlobService: Sendable {
    public static let script = #filePath.components(separatedBy: "/test/")[0] + "/test/FakeBlobService/fake_blob_server.py"
    /// Azurite's account and key, which the fake takes too.
    public static let account = "devstoreaccount1"
    public static let key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

    public let port: Int
    /// This test's container (created by the test).
    public let container: String

    /// The path-style endpoint, as Azurite's.
    public var endpoint: String { "http://127.0.0.1:\(self.port)/\(Self.account)" }

    /// A connection string for this service, with `key` (the service's own by default).
    public func connectionString(key: String = Self.key) -> String {
        "DefaultEndpointsProtocol=http;AccountName=\(Self.account);AccountKey=\(key);BlobEndpoint=\(self.endpoint)"
    }

    /// Runs `body` with the service and a fresh container name, or skips it (off CI) when Python or
    /// azure-storage-blob is missing.
    public static func with(_ body: (FakeBlobService) async throws -> Void) async throws {
        guard let port = try await Self.started.value?.port else {
            print("note: tests against the fake Blob service skipped; pip install azure-storage-blob to run them")
            return
        }
        try await body(FakeBlobService(port: port, container: "t-" + UUID().uuidString.lowercased().prefix(18)))
    }

    /// The one service of this test process (held here for the life of the process: dropping the child would kill
    /// it), or nil when it cannot run here (off CI).
    private static let started = Task<(port: Int, child: ChildProcess)?, any Error> {
        guard await ExternalTool.pythonModuleIsAvailable("azure.storage.blob") else { return nil }
        // Killed with the test process (the spawner's parent-death signal).
        let child = try await ChildProcess.spawn("python3", [Self.script])
        var port: Int?
        try await eventually("the fake Blob service listens", timeout: .seconds(60)) {
            port = child.output.split(separator: "\n").first { $0.hasPrefix("listening ") }.flatMap { Int($0.dropFirst("listening ".count)) }
            if port == nil && !child.isRunning { throw StartFailed(output: child.output) }
            return port != nil
        }
        return port.map { ($0, child) }
    }

    public struct StartFailed: Error, CustomStringConvertible {
        public var output: String
        public var description: String { "the fake Blob service did not start:\n\(self.output)" }
    }
}
