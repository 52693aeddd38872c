@testable import AzureBlobStorage
import Foundation
import NIOPosix
import Testing

/// The signer and the SAS tokens against vectors computed by Microsoft's azure-storage-blob (`Golden/generate.py`).
@Suite("Shared Key and SAS, against Microsoft's code")
struct SignerGoldenTests {
    struct Vectors: Decodable {
        struct Signing: Decodable {
            var name: String
            var account: String
            var method: String
            var url: String
            var path: String
            var query: [[String]]
            var headers: [[String]]
            var string_to_sign: String
            var authorization: String
        }

        struct SAS: Decodable {
            var name: String
            var kind: String
            var container: String?
            var blob: String?
            var services: String?
            var resource_types: String?
            var permissions: String
            var start: String?
            var expiry: String
            var ip: String?
            var protocols: String?
            var token: String
        }

        var key: String
        var account: String
        var signing: [Signing]
        var sas: [SAS]
    }

    static let vectors: Vectors = {
        let path = #filePath.components(separatedBy: "/").dropLast().joined(separator: "/") + "/Golden/vectors.json"
        return try! JSONDecoder().decode(Vectors.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }()

    static var key: [UInt8] { Array(Data(base64Encoded: Self.vectors.key)!) }

    @Test(arguments: Self.vectors.signing.map(\.name))
    func sharedKey(_ name: String) throws {
        let vector = try #require(Self.vectors.signing.first { $0.name == name })
        let query = vector.query.map { (name: $0[0], value: $0[1]) }
        let headers = vector.headers.map { (name: $0[0], value: $0[1]) }
        let text = SharedKeySigner.stringToSign(account: vector.account, method: vector.method, path: vector.path, query: query, headers: headers)
        #expect(text == vector.string_to_sign)
        let signer = SharedKeySigner(account: vector.account, key: Self.key)
        #expect(signer.authorization(method: vector.method, path: vector.path, query: query, headers: headers) == vector.authorization)
    }

    /// The client builds the URL and headers of these requests itself, and signs them as Microsoft's code does.
    @Test func theClientsRequestsCarryTheSignatureOfWhatTheySend() throws {
        let account = try BlobAccount(connection: "AccountName=\(Self.vectors.account);AccountKey=\(Self.vectors.key)")
        let client = BlobContainerClient(account: account, container: "caf\u{E9} orders", transport: CurlTransport(threadPool: BlobTestThreads.pool, timeout: .seconds(1), connectTimeout: .seconds(1)))
        let request = client.request("GET", blob: "a+b?#.log", query: [("comp", "list"), ("prefix", "orders/seg-")], headers: [], body: [])
        #expect(request.url == "https://\(Self.vectors.account).blob.core.windows.net/caf%C3%A9%20orders/a%2Bb%3F%23.log?comp=list&prefix=orders%2Fseg-")
        let authorization = try #require(request.headers.first { $0.name == "Authorization" }?.value)
        let signer = SharedKeySigner(account: Self.vectors.account, key: Self.key)
        let signed = signer.authorization(
            method: "GET",
            path: "/caf%C3%A9%20orders/a%2Bb%3F%23.log",
            query: [("comp", "list"), ("prefix", "orders/seg-")],
            headers: request.headers.filter { $0.name != "Authorization" }
        )
        #expect(authorization == signed)
    }

    @Test(arguments: Self.vectors.sas.map(\.name))
    func sharedAccessSignature(_ name: String) throws {
        let vector = try #require(Self.vectors.sas.first { $0.name == name })
        let expected = Self.parameters(vector.token)
        let terms = SharedAccessSignature.Terms(
            permissions: vector.permissions,
            start: vector.start,
            expiry: vector.expiry,
            ip: vector.ip,
            protocols: vector.protocols,
            version: try #require(expected["sv"])
        )
        let items =
            vector.kind == "account"
            ? SharedAccessSignature.account(
                account: Self.vectors.account,
                key: Self.key,
                services: try #require(vector.services),
                resourceTypes: try #require(vector.resource_types),
                terms: terms
            )
            : SharedAccessSignature.service(account: Self.vectors.account, key: Self.key, container: try #require(vector.container), blob: vector.blob, terms: terms)
        #expect(Self.parameters(SharedAccessSignature.token(items)) == expected)
    }

    /// A token's parameters, decoded.
    static func parameters(_ token: String) -> [String: String] {
        var parameters: [String: String] = [:]
        for pair in token.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            parameters[parts[0]] = BlobPath.decode(parts.count > 1 ? parts[1] : "")
        }
        return parameters
    }

    @Test func headerNamesSortAsTheServiceSortsThem() {
        let names = ["x-ms-meta-a-b", "x-ms-version", "x-ms-meta-ab", "x-ms-meta-a_b", "x-ms-date", "x-ms-meta-a1", "x-ms-blob-type"]
        #expect(names.sorted(by: SharedKeySigner.precedes) == [
            "x-ms-blob-type", "x-ms-date", "x-ms-meta-a_b", "x-ms-meta-a1", "x-ms-meta-ab", "x-ms-meta-a-b", "x-ms-version",
        ])
    }

    @Test func httpDates() {
        #expect(BlobContainerClient.httpDate(now: 1_796_040_000) == "Mon, 30 Nov 2026 12:00:00 GMT")
        #expect(BlobContainerClient.httpDate(now: 0) == "Thu, 01 Jan 1970 00:00:00 GMT")
    }
}
