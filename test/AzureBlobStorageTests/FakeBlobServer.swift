@testable import AzureBlobStorage
import EventStoreTesting
import Foundation
import NIOPosix
import Testing

/// The fake Blob service (``FakeBlobService``) with this adapter's client: faults set and counts read through it.
struct FakeBlobServer {
    let port: Int
    /// This test's container: faults and counts are kept per container.
    let container: String
    let transport: CurlTransport

    var endpoint: String { "http://127.0.0.1:\(self.port)/\(BlobAccount.developmentAccount)" }

    /// `UseDevelopmentStorage`-style connection string for this server, with `key` (the server's own by default).
    func connectionString(key: String = BlobAccount.developmentKey) -> String {
        "DefaultEndpointsProtocol=http;AccountName=\(BlobAccount.developmentAccount);AccountKey=\(key);BlobEndpoint=\(self.endpoint)"
    }

    func client(_ connection: String? = nil, container: String? = nil, retryBudget: Duration = .seconds(10)) throws -> BlobContainerClient {
        let account = try BlobAccount(connection: connection ?? self.connectionString())
        return BlobContainerClient(account: account, container: container ?? self.container, transport: self.transport, retryBudget: retryBudget)
    }

    /// Sets faults of this test's container (see the script's documentation).
    func faults(_ json: String) async throws {
        let scoped = "{\"container\": \"\(self.container)\", " + json.dropFirst()
        let response = try await self.transport.send(BlobHTTPRequest(method: "POST", url: "http://127.0.0.1:\(self.port)/__faults", headers: [], body: Array(scoped.utf8)))
        #expect(response.status == 204)
    }

    /// How many requests the server verified and refused.
    func stats() async throws -> (verified: Int, refused: Int) {
        let response = try await self.transport.send(
            BlobHTTPRequest(method: "GET", url: "http://127.0.0.1:\(self.port)/__stats?container=\(self.container)", headers: [])
        )
        let object = try JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Int]
        return (object?["verified"] ?? -1, object?["refused"] ?? -1)
    }

    /// Runs `body` with a fresh server, or skips it (off CI) when Python or azure-storage-blob is missing.
    static func with(_ body: (FakeBlobServer) async throws -> Void) async throws {
        try await FakeBlobService.with { service in
            let transport = CurlTransport(threadPool: BlobTestThreads.pool, timeout: .seconds(10), connectTimeout: .seconds(2))
            try await body(FakeBlobServer(port: service.port, container: service.container, transport: transport))
        }
    }
}
