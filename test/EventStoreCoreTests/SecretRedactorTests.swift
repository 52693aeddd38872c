import EventStoreCore
import Testing

@Suite struct SecretRedactorTests {
    @Test(arguments: [
        ("postgres://user:s3cret@db.example:5432/events", "postgres://user:***@db.example:5432/events"),
        ("postgresql://u:p%40ss@h1,h2/db?target_session_attrs=read-write", "postgresql://u:***@h1,h2/db?target_session_attrs=read-write"),
        ("postgres://user@host/db?password=hunter2&sslmode=require", "postgres://user@host/db?password=***&sslmode=require"),
        ("host=db user=app password=hunter2 dbname=events", "host=db user=app password=*** dbname=events"),
        ("host=db password='with space' dbname=x", "host=db password=*** dbname=x"),
        (
            "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=AbC+/123==;EndpointSuffix=core.windows.net",
            "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=***;EndpointSuffix=core.windows.net"
        ),
        ("BlobEndpoint=https://x.blob/;SharedAccessSignature=sv=2020&sig=abc", "BlobEndpoint=https://x.blob/;SharedAccessSignature=***&sig=***"),
        ("/data/eventstore", "/data/eventstore"),
    ])
    func redactsConnectionSecrets(_ input: String, _ expected: String) {
        #expect(SecretRedactor.redactConnection(input) == expected)
    }

    @Test func redactsSecretOptionsAndConnectionInConfigurations() throws {
        let configuration = TopicConfiguration(
            name: try TopicName("audit"),
            adapter: .azureBlob,
            connection: "AccountName=a;AccountKey=topsecret",
            options: ["container": "events", "sasToken": "abc", "apiKey": "k"]
        )
        let redacted = configuration.redacted()
        #expect(redacted.connection == "AccountName=a;AccountKey=***")
        #expect(redacted.options == ["container": "events", "sasToken": "***", "apiKey": "***"])
        #expect(!String(describing: redacted).contains("topsecret"))
    }
}
