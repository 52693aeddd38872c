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
