@testable import AzureBlobStorage
import EventStoreTesting
import Foundation
import NIOPosix
import Testing

/// The fake Blob service of `FakeBlobServer/fake_blob_server.py`, started on 127.0.0.1 for one test. It verifies
/// every request's signature with Microsoft's azure-storage-blob; without that package the tests that need it are
/// skipped with a message, except under CI, where they must run.
struct FakeBlobServer {
    static let script = #filePath.components(separatedBy: "/").dropLast().joined(separator: "/") + "/FakeBlobServer/fake_blob_server.py"

    let port: Int
    let transport: CurlTransport

    var endpoint: String { "http://127.0.0.1:\(self.port)/\(BlobAccount.developmentAccount)" }

    /// `UseDevelopmentStorage`-style connection string for this server, with `key` (the server's own by default).
    func connectionString(key: String = BlobAccount.developmentKey) -> String {
        "DefaultEndpointsProtocol=http;AccountName=\(BlobAccount.developmentAccount);AccountKey=\(key);BlobEndpoint=\(self.endpoint)"
    }

    func client(_ connection: String? = nil, container: String = "events", retryBudget: Duration = .seconds(10)) throws -> BlobContainerClient {
        let account = try BlobAccount(connection: connection ?? self.connectionString())
        return BlobContainerClient(account: account, container: container, transport: self.transport, retryBudget: retryBudget)
    }

    /// Sets faults (see the script's documentation).
    func faults(_ json: String) async throws {
        let response = try await self.transport.send(BlobHTTPRequest(method: "POST", url: "http://127.0.0.1:\(self.port)/__faults", headers: [], body: Array(json.utf8)))
        #expect(response.status == 204)
    }

    /// How many requests the server verified and refused.
    func stats() async throws -> (verified: Int, refused: Int) {
        let response = try await self.transport.send(BlobHTTPRequest(method: "GET", url: "http://127.0.0.1:\(self.port)/__stats", headers: []))
        let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Int]
        return (object?["verified"] ?? -1, object?["refused"] ?? -1)
    }

    /// Runs `body` with a fresh server, or skips it (off CI) when Python or azure-storage-blob is missing.
    static func with(_ body: (FakeBlobServer) async throws -> Void) async throws {
        guard await ExternalTool.pythonModuleIsAvailable("azure.storage.blob") else {
            print("note: blob tests against the fake Blob service skipped; pip install azure-storage-blob to run them")
            return
        }
        let child = try await ChildProcess.spawn("python3", [Self.script])
        defer { child.signal(SIGKILL) }
        var port: Int?
        try await eventually("the fake Blob service listens", timeout: .seconds(30)) {
            port = child.output.split(separator: "\n").first { $0.hasPrefix("listening ") }.flatMap { Int($0.dropFirst("listening ".count)) }
            if port == nil && !child.isRunning { throw StartFailed(output: child.output) }
            return port != nil
        }
        let transport = CurlTransport(threadPool: .singleton, timeout: .seconds(10), connectTimeout: .seconds(2))
        try await body(FakeBlobServer(port: port!, transport: transport))
    }

    struct StartFailed: Error, CustomStringConvertible {
        var output: String
        var description: String { "the fake Blob service did not start:\n\(self.output)" }
    }
}
