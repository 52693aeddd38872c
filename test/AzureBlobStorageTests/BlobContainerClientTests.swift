@testable import AzureBlobStorage
import EventStoreTesting
import Foundation
import Testing

/// The REST operations against the fake Blob service, which checks every signature with Microsoft's code.
@Suite("Blob REST client against the fake Blob service")
struct BlobContainerClientTests {
    static func expectServiceError(_ status: Int, _ code: String, _ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async {
        let error = await #expect(throws: BlobServiceError.self, sourceLocation: sourceLocation) { try await body() }
        #expect(error?.status == status, sourceLocation: sourceLocation)
        #expect(error?.code == code, "\(String(describing: error))", sourceLocation: sourceLocation)
    }

    @Test func appendBlobsHaveAzureSemantics() async throws {
        try await FakeBlobServer.with { server in
            let client = try server.client()
            #expect(try await client.createContainer())
            #expect(try await client.createContainer() == false, "a second create finds it")
            let segment = "orders/seg-00000000000000000000.log"
            #expect(try await client.createAppendBlob(segment))
            #expect(try await client.createAppendBlob(segment) == false, "If-None-Match: * keeps the first")
            try await client.appendBlock(segment, Array("hello".utf8), at: 0, maxSize: 100)
            try await client.appendBlock(segment, Array(" world".utf8), at: 5, maxSize: 100)
            await Self.expectServiceError(412, "AppendPositionConditionNotMet") { try await client.appendBlock(segment, [1], at: 5, maxSize: 100) }
            await Self.expectServiceError(412, "MaxBlobSizeConditionNotMet") { try await client.appendBlock(segment, [1, 2], at: 11, maxSize: 12) }
            #expect(try await client.properties(segment)?.length == 11)
            #expect(try await client.read(segment, range: 6..<11) == Array("world".utf8))
            #expect(try await client.read(segment, range: 6..<100) == Array("world".utf8), "fewer at the end")
            #expect(try await client.read(segment, range: 11..<20) == [], "none past it (416)")
            try await client.seal(segment)
            #expect(try await client.properties(segment)?.sealed == true)
            await Self.expectServiceError(409, "BlobIsSealed") { try await client.appendBlock(segment, [1], at: 11, maxSize: 100) }
            #expect(try await client.properties("orders/none") == nil)
            #expect(try await server.stats().refused == 0)
        }
    }

    @Test func listingsPageWithAnOpaqueMarkerAndNamesArePercentEncoded() async throws {
        try await FakeBlobServer.with { server in
            let client = try server.client()
            _ = try await client.createContainer()
            let names = ["orders/a+b?#.log", "orders/caf\u{E9} 1", "orders/e\u{301}", "orders/x%20y", "other/z"]
            for name in names { #expect(try await client.createAppendBlob(name)) }
            var listed: [String] = []
            var marker: String?
            var pages = 0
            repeat {
                let page = try await client.list(prefix: "orders/", marker: marker, maxResults: 2)
                listed += page.blobs.map(\.name)
                marker = page.nextMarker
                pages += 1
            } while marker != nil
            #expect(listed == names.filter { $0.hasPrefix("orders/") }.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
            #expect(pages == 2)
            #expect(try await server.stats().refused == 0)
        }
    }

    @Test func aWrongKeyIsRefusedClearly() async throws {
        try await FakeBlobServer.with { server in
            let wrong = Data((0..<64).map { UInt8($0) }).base64EncodedString()
            let client = try server.client(server.connectionString(key: wrong))
            let error = await #expect(throws: BlobServiceError.self) { _ = try await client.createContainer() }
            #expect(error?.isAuthenticationFailure == true)
            #expect(error?.code == "AuthenticationFailed")
            #expect(error?.description.contains("Server failed to authenticate the request.") == true)
            #expect(error?.description.contains("RequestId") == false, "the message's first line only")
            #expect(try await server.stats().refused == 1)
        }
    }

    @Test func aContainerSASURLIsAccepted() async throws {
        try await FakeBlobServer.with { server in
            _ = try await server.client().createContainer()
            let terms = SharedAccessSignature.Terms(permissions: "racwdl", expiry: "2099-01-01T00:00:00Z", version: "2023-11-03")
            let items = SharedAccessSignature.service(
                account: BlobAccount.developmentAccount,
                key: Array(Data(base64Encoded: BlobAccount.developmentKey)!),
                container: server.container,
                terms: terms
            )
            let url = "\(server.endpoint)/\(server.container)?\(SharedAccessSignature.token(items))"
            let account = try BlobAccount(connection: url)
            #expect(account.container == server.container)
            #expect(!account.description.contains("sig"), "the signature is never shown")
            let client = BlobContainerClient(account: account, container: server.container, transport: server.transport)
            #expect(try await client.createAppendBlob("via-sas.log"))
            try await client.appendBlock("via-sas.log", [1, 2, 3], at: 0, maxSize: 10)
            #expect(try await client.list(prefix: "via").blobs.map(\.name) == ["via-sas.log"])

            let forged = url.replacingOccurrences(of: "sp=racwdl", with: "sp=racwdlx")
            let refused = BlobContainerClient(account: try BlobAccount(connection: forged), container: server.container, transport: server.transport)
            let error = await #expect(throws: BlobServiceError.self) { _ = try await refused.list(prefix: "") }
            #expect(error?.isAuthenticationFailure == true)
        }
    }

    @Test func aBusyServiceIsRetriedWithinTheBudgetThenReported() async throws {
        try await FakeBlobServer.with { server in
            let client = try server.client()
            _ = try await client.createContainer()
            _ = try await client.createAppendBlob("busy.log")
            try await server.faults(#"{"server_busy": 3, "retry_after": 0}"#)
            try await client.appendBlock("busy.log", [1], at: 0, maxSize: 10)
            #expect(try await client.properties("busy.log")?.length == 1, "stored once, after three refusals")

            try await server.faults(#"{"server_busy": 1000, "retry_after": 1}"#)
            let impatient = try server.client(retryBudget: .milliseconds(1500))
            let started = ContinuousClock.now
            let error = await #expect(throws: BlobServiceError.self) { try await impatient.appendBlock("busy.log", [2], at: 1, maxSize: 10) }
            #expect(error?.code == "ServerBusy")
            #expect(error?.isRetryable == true)
            #expect(ContinuousClock.now - started < .seconds(10))
            try await server.faults(#"{"server_busy": 0}"#)
            #expect(try await client.properties("busy.log")?.length == 1)
        }
    }

    /// A service that answers another range than the one asked, or a listing that names a marker twice, is caught,
    /// not believed.
    @Test func aWrongRangeOrAListingThatNeverEndsIsAnError() async throws {
        try await FakeBlobServer.with { server in
            let client = try server.client()
            _ = try await client.createContainer()
            _ = try await client.createAppendBlob("ranged.log")
            try await client.appendBlock("ranged.log", Array(0..<32), at: 0, maxSize: 1024)
            try await server.faults(#"{"wrong_range": 1}"#)
            let wrong = await #expect(throws: BlobServiceError.self) { try await client.read("ranged.log", range: 10..<20) }
            #expect(wrong?.message.contains("another range") == true, "\(String(describing: wrong))")
            #expect(try await client.read("ranged.log", range: 10..<20) == Array(10..<20))

            try await server.faults(#"{"repeat_marker": 3}"#)
            await #expect(throws: BlobListingError.self) { try await client.listAll(prefix: "ranged") }
            try await server.faults(#"{"repeat_marker": 0}"#)
            #expect(try await client.listAll(prefix: "ranged").map(\.name) == ["ranged.log"])
        }
    }

    @Test func aDroppedAnswerLeavesTheOutcomeToBeReadBack() async throws {
        try await FakeBlobServer.with { server in
            let client = try server.client()
            _ = try await client.createContainer()
            _ = try await client.createAppendBlob("dropped.log")
            try await server.faults(#"{"drop_after_commit": 1}"#)
            // No answer (a fresh connection), or libcurl's one resend on a reused connection, which finds the append made.
            do {
                try await client.appendBlock("dropped.log", [7, 7], at: 0, maxSize: 10)
                Issue.record("the append was answered")
            } catch let error as BlobServiceError {
                #expect(error.code == "AppendPositionConditionNotMet")
            } catch {
                #expect(error is BlobTransportError, "\(error)")
            }
            #expect(try await client.properties("dropped.log")?.length == 2, "the append was committed once")
            #expect(try await client.read("dropped.log", range: 0..<2) == [7, 7])
        }
    }

    @Test func blockLimitsAndTheFourMiBCap() async throws {
        try await FakeBlobServer.with { server in
            let client = try server.client()
            _ = try await client.createContainer()
            _ = try await client.createAppendBlob("full.log")
            try await server.faults(#"{"block_limit": 2, "force_412": 1}"#)
            await Self.expectServiceError(412, "AppendPositionConditionNotMet") { try await client.appendBlock("full.log", [1], at: 0, maxSize: 100) }
            try await client.appendBlock("full.log", [1], at: 0, maxSize: 100)
            try await client.appendBlock("full.log", [2], at: 1, maxSize: 100)
            await Self.expectServiceError(409, "BlockCountExceedsLimit") { try await client.appendBlock("full.log", [3], at: 2, maxSize: 100) }
            _ = try await client.createAppendBlob("big.log")
            await Self.expectServiceError(413, "RequestBodyTooLarge") {
                try await client.appendBlock("big.log", [UInt8](repeating: 1, count: (4 << 20) + 1), at: 0, maxSize: 8 << 20)
            }
        }
    }
}
