@testable import AzureBlobStorage
import EventStoreTesting
import Foundation
import NIOPosix
import Testing

/// The fake Blob service (``FakeBlobService``) with this adapter's client: faults set and counts read through it.
struct FakeBlobServer {
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
        try await FakeBlobService.with { service in
            let transport = CurlTransport(threadPool: BlobTestThreads.pool, timeout: .seconds(10), connectTimeout: .seconds(2))
            try await body(FakeBlobServer(port: service.port, transport: transport))
        }
    }
}
