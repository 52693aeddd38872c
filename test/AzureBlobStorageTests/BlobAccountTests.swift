@testable import AzureBlobStorage
import Foundation
import Testing

@Suite("Blob connections")
struct BlobAccountTests {
    static let key = BlobAccount.developmentKey

    @Test func connectionStrings() throws {
        let azure = try BlobAccount(connection: "DefaultEndpointsProtocol=https;AccountName=myaccount;AccountKey=\(Self.key);EndpointSuffix=core.windows.net")
        #expect(azure.endpoint == "https://myaccount.blob.core.windows.net")
        #expect(azure.basePath == "")
        let china = try BlobAccount(connection: "AccountName=myaccount;AccountKey=\(Self.key);EndpointSuffix=core.chinacloudapi.cn")
        #expect(china.endpoint == "https://myaccount.blob.core.chinacloudapi.cn")
        let azurite = try BlobAccount(connection: "UseDevelopmentStorage=true")
        #expect(azurite.endpoint == "http://127.0.0.1:10000/devstoreaccount1")
        #expect(azurite.name == "devstoreaccount1")
        let custom = try BlobAccount(connection: "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=\(Self.key);BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;")
        #expect(custom.endpoint == "http://127.0.0.1:10000/devstoreaccount1")
        #expect(custom.port == 10000)
        let sas = try BlobAccount(connection: "BlobEndpoint=https://myaccount.blob.core.windows.net/;SharedAccessSignature=sv=2023-11-03&ss=b&srt=sco&sp=rl&se=2099-01-01&sig=abc%3D")
        #expect(sas.name == "myaccount")
        guard case .sharedAccessSignature(let token) = sas.credential else { Issue.record("a SAS"); return }
        #expect(token.hasSuffix("sig=abc%3D"))
    }

    @Test func sasURLs() throws {
        let hostStyle = try BlobAccount(connection: "https://myaccount.blob.core.windows.net/events?sv=2023-11-03&sr=c&sp=racwdl&se=2099-01-01&sig=x")
        #expect(hostStyle.container == "events")
        #expect(hostStyle.name == "myaccount")
        let pathStyle = try BlobAccount(connection: "http://127.0.0.1:10000/devstoreaccount1/events?sv=2023-11-03&sig=x")
        #expect(pathStyle.container == "events")
        #expect(pathStyle.basePath == "/devstoreaccount1")
        let v6 = try BlobAccount(connection: "http://[::1]:10000/devstoreaccount1?sv=2023-11-03&sig=x")
        #expect(v6.authority == "[::1]:10000")
        #expect(v6.container == nil)
    }

    /// Nothing secret is ever part of a description or an error.
    @Test func secretsAreNeverShown() throws {
        let account = try BlobAccount(connection: "AccountName=myaccount;AccountKey=\(Self.key)")
        #expect(!account.description.contains(Self.key))
        #expect(!account.description.contains("Eby8"))
        do {
            _ = try BlobAccount(connection: "AccountName=My_Account;AccountKey=\(Self.key)")
            Issue.record("an invalid account name")
        } catch {
            #expect(!error.description.contains("Eby8"))
        }
        let sas = try BlobAccount(connection: "https://myaccount.blob.core.windows.net/events?sv=1&sig=SECRETSIG")
        #expect(!sas.description.contains("SECRETSIG"))
    }

    @Test(arguments: [
        "", "AccountName=myaccount", "AccountKey=\(key)", "AccountName=myaccount;AccountKey=not base64!",
        "AccountName=ab;AccountKey=\(key)", "AccountName=\(String(repeating: "a", count: 25));AccountKey=\(key)",
        "AccountName=myaccount;AccountName=other;AccountKey=\(key)", "AccountName=myaccount;AccountKey=\(key);DefaultEndpointsProtocol=ftp",
        "AccountName=myaccount;AccountKey=\(key);EndpointSuffix=evil.com/x", "AccountName=myaccount;AccountKey=\(key);EndpointSuffix=a\u{0}b",
        "AccountName=myaccount;AccountKey=\(key);BlobEndpoint=ftp://host", "AccountName=myaccount;AccountKey=\(key);BlobEndpoint=http://user:pw@host/",
        "AccountName=myaccount;AccountKey=\(key);BlobEndpoint=http://host:0/", "AccountName=myaccount;AccountKey=\(key);BlobEndpoint=http://ho st/",
        "garbage", "https://myaccount.blob.core.windows.net/events", "https://myaccount.blob.core.windows.net/events?sv=1",
        "https://myaccount.blob.core.windows.net/events/blob?sv=1&sig=x", "http://127.0.0.1:10000/?sv=1&sig=x",
        "https://myaccount.blob.core.windows.net/events?sv=1&sig=x#frag", "https://myaccount.blob.core.windows.net/events?sv=1&sig=a\nb",
        String(repeating: "A", count: 1 << 20),
    ])
    func badConnectionsAreRefused(_ connection: String) {
        #expect(throws: BlobAccountError.self) { try BlobAccount(connection: connection) }
    }
}

@Suite("Blob endpoint policy")
struct BlobEndpointPolicyTests {
    static func account(_ endpoint: String) throws -> BlobAccount {
        try BlobAccount(connection: "AccountName=abc;AccountKey=\(BlobAccount.developmentKey);BlobEndpoint=\(endpoint)")
    }

    @Test(arguments: [
        "http://169.254.169.254/abc", "http://[fe80::1]/abc", "http://[::ffff:169.254.169.254]/abc", "http://100.100.100.200/abc",
        "http://metadata.google.internal/abc", "http://METADATA.google.internal./abc",
    ])
    func metadataEndpointsAreAlwaysRefused(_ endpoint: String) throws {
        #expect(BlobEndpointPolicy.unrestricted.refusal(try Self.account(endpoint)) != nil)
        #expect(try BlobEndpointPolicy(allow: ["169.254.0.0/16", "metadata.google.internal", "fe80::/10"]).refusal(try Self.account(endpoint)) != nil)
    }

    @Test func anAllowListAdmitsOnlyWhatItNames() throws {
        let policy = try BlobEndpointPolicy(allow: ["127.0.0.1", "blob.example.com:443", "10.0.0.0/8"])
        #expect(policy.refusal(try Self.account("http://127.0.0.1:10000/abc")) == nil)
        #expect(policy.refusal(try Self.account("https://blob.example.com/")) == nil)
        #expect(policy.refusal(try Self.account("http://blob.example.com/")) != nil, "port 80 is not 443")
        #expect(policy.refusal(try Self.account("http://10.2.3.4/abc")) == nil)
        #expect(policy.refusal(try Self.account("http://127.0.0.2/abc")) != nil)
        #expect(policy.refusal(try BlobAccount(connection: "AccountName=myaccount;AccountKey=\(BlobAccount.developmentKey)")) != nil)
        for rule in ["", "a b", "*.example.com", "host:0", "host:70000", "[::1"] {
            #expect(throws: BlobEndpointPolicyError.self) { try BlobEndpointPolicy(allow: [rule]) }
        }
    }

    /// A name or form the policy cannot read still meets the check on the address libcurl connects to.
    @Test func connectionsToRefusedAddressesAreRefusedAfterResolution() async throws {
        let transport = CurlTransport(threadPool: BlobTestThreads.pool, timeout: .seconds(10), connectTimeout: .seconds(5))
        for endpoint in ["http://2852039166:9/abc", "http://0xA9FEA9FE:9/abc"] {
            let account = try Self.account(endpoint)
            #expect(BlobEndpointPolicy.unrestricted.refusal(account) == nil, "not a form the policy reads")
            let client = BlobContainerClient(account: account, container: "events", transport: transport)
            let error = await #expect(throws: BlobTransportError.self) { _ = try await client.list(prefix: "") }
            #expect(error?.kind == .refused, "\(String(describing: error))")
        }
    }
}
