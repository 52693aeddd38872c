import EventStoreCore
import EventStoreTesting
import Testing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@Suite struct TopicConfigurationTests {
    @Test func decodesTheClientFormat() throws {
        let json =
            #"{"name": "users", "adapter": "fs", "connection": "/data/eventstore", "options": {"createDirIfNotExist": "true", "segmentBytes": 1024, "flag": false}}"#
        let configuration = try JSONDecoder().decode(TopicConfiguration.self, from: Data(json.utf8))
        #expect(configuration.name.rawValue == "users")
        #expect(configuration.adapter == .fileSystem)
        #expect(configuration.connection == "/data/eventstore")
        #expect(configuration.options == ["createDirIfNotExist": "true", "segmentBytes": "1024", "flag": "false"])
    }

    @Test func roundTripsThroughJSON() throws {
        let configuration = TopicConfiguration(
            name: try TopicName("orders"),
            adapter: .postgres,
            connection: "postgres://u:p@h/db",
            schema: "public",
            table: "order_events"
        )
        let data = try JSONEncoder().encode(configuration)
        #expect(try JSONDecoder().decode(TopicConfiguration.self, from: data) == configuration)
    }

    @Test(arguments: [
        #"{"name": "x", "adapter": "memory", "extra": 1}"#,
        #"{"name": "bad name", "adapter": "memory"}"#,
        #"{"adapter": "memory"}"#,
        #"{"name": "x"}"#,
        #"{"name": "x", "adapter": 5}"#,
        #"{"name": "x", "adapter": "memory", "options": {"nested": {"a": 1}}}"#,
    ])
    func refusesMalformedConfigurations(_ json: String) {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(TopicConfiguration.self, from: Data(json.utf8)) }
    }

    @Test func validatesRequiredFieldsPerAdapter() throws {
        let name = try TopicName("t")
        #expect(throws: Never.self) { try TopicConfiguration(name: name, adapter: .memory).validate() }
        for adapter in [AdapterKind.fileSystem, .postgres, .azureBlob] {
            let error = #expect(throws: EventStoreError.self) { try TopicConfiguration(name: name, adapter: adapter).validate() }
            #expect(error?.code == .unsupportedConfiguration)
            #expect(error?.message.contains("requires connection") == true)
        }
        // The container may come from a SAS URL: the blob adapter checks it, not the core.
        #expect(throws: Never.self) { try TopicConfiguration(name: name, adapter: .azureBlob, connection: "AccountName=a").validate() }
        let unknown = #expect(throws: EventStoreError.self) { try TopicConfiguration(name: name, adapter: AdapterKind("s3")).validate() }
        #expect(unknown?.message.contains("unknown adapter 's3'") == true)
        let longTable = TopicConfiguration(name: name, adapter: .postgres, connection: "x", table: String(repeating: "t", count: 64))
        expectError(.unsupportedConfiguration) { try longTable.validate() }
    }

    @Test func nulIsRefusedInEveryField() throws {
        let name = try TopicName("t")
        for configuration in [
            TopicConfiguration(name: name, adapter: .postgres, connection: "postgres://db\u{0}x"),
            TopicConfiguration(name: name, adapter: .postgres, connection: "postgres://db", schema: "s\u{0}"),
            TopicConfiguration(name: name, adapter: .postgres, connection: "postgres://db", table: "t\u{0}"),
            TopicConfiguration(name: name, adapter: .memory, options: ["k\u{0}": "v"]),
            TopicConfiguration(name: name, adapter: .memory, options: ["k": "v\u{0}"]),
        ] {
            let error = expectError(.unsupportedConfiguration) { try configuration.validate() }
            #expect(error?.message.contains("NUL") == true)
        }
    }
}
