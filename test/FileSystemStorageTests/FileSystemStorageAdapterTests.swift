import EventStoreCore
import Foundation
import NIOPosix
import Testing

@testable import FileSystemStorage

@Suite struct FileSystemStorageAdapterTests {
    let root = temporaryDirectory()

    func adapter() throws -> FileSystemStorageAdapter {
        try FileSystemStorageAdapter(allowedRoots: [root], threadPool: .singleton)
    }

    func configuration(_ connection: String?, options: [String: String] = [:]) throws -> TopicConfiguration {
        TopicConfiguration(name: try TopicName("orders"), adapter: .fileSystem, connection: connection, options: options)
    }

    func refusal(_ configuration: TopicConfiguration) throws -> String? {
        let adapter = try self.adapter()
        let error = #expect(throws: EventStoreError.self) {
            try adapter.validate(configuration)
            _ = try adapter.topicDirectory(for: configuration)
        }
        #expect(error?.code == .unsupportedConfiguration)
        return error?.message
    }

    @Test func acceptsDirectoriesInsideTheRoot() throws {
        try FileManager.default.createDirectory(atPath: root + "/events", withIntermediateDirectories: true)
        #expect(try adapter().topicDirectory(for: configuration(root + "/events")).hasSuffix("/events/orders"))
        #expect(throws: Never.self) {
            try adapter().topicDirectory(for: configuration(root + "/new/deeper", options: ["createDirIfNotExist": "true"]))
        }
    }

    @Test func refusesAMissingDirectoryUnlessAskedToCreateIt() throws {
        #expect(try refusal(configuration(root + "/missing"))?.contains("createDirIfNotExist") == true)
    }

    @Test func refusesPathsOutsideTheRoot() throws {
        #expect(try refusal(configuration("/etc"))?.contains("outside") == true)
        #expect(try refusal(configuration(root + "/../escape", options: ["createDirIfNotExist": "true"]))?.contains("outside") == true)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root + "/link", withDestinationPath: "/tmp")
        #expect(try refusal(configuration(root + "/link"))?.contains("outside") == true)
        #expect(try refusal(configuration(root + "/missing/../../x", options: ["createDirIfNotExist": "true"])) != nil)
    }

    @Test func refusesAConnectionThatIsAFile() throws {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: root + "/plain", contents: Data("x".utf8)))
        #expect(try refusal(configuration(root + "/plain"))?.contains("is not a directory") == true)
    }

    @Test func refusesUnknownOrInvalidOptions() throws {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        #expect(try refusal(configuration(root, options: ["segmentSize": "1"]))?.contains("unknown fs option 'segmentSize'") == true)
        for bytes in ["12", "4096", "1048575", "1073741825", "\(Int64.max)", "-1", "1e6", ""] {
            #expect(try refusal(configuration(root, options: ["segmentBytes": bytes]))?.contains("from 1048576 (1 MiB) to 1073741824 (1 GiB)") == true)
        }
        #expect(throws: Never.self) { try adapter().validate(configuration(root, options: ["segmentBytes": "1048576"])) }
        #expect(try refusal(configuration(root, options: ["createDirIfNotExist": "yes"])) != nil)
    }

    @Test func opensTopicsInTheirOwnDirectory() async throws {
        let log = try await adapter().openLog(for: configuration(root + "/data", options: ["createDirIfNotExist": "true"]), logger: quiet)
        #expect(FileManager.default.fileExists(atPath: root + "/data/orders/lock"))
        try await log.close(logger: quiet)
    }

    /// With the server's own directory as an allowed root (an operator's choice), no topic takes the catalog's place
    /// or holds the server's directory.
    @Test func refusesTopicsThatWouldTakeThePlaceOfTheServersFiles() throws {
        let server = root + "/server"
        let adapter = try FileSystemStorageAdapter(allowedRoots: [root], serverDirectory: server, threadPool: .singleton)
        for (name, connection) in [("catalog.json", server), ("catalog.json.tmp-1", server), ("server", root)] {
            let configuration = TopicConfiguration(name: try TopicName(name), adapter: .fileSystem, connection: connection)
            let error = #expect(throws: EventStoreError.self) { try adapter.topicDirectory(for: configuration) }
            #expect(error?.message.contains("the server's own files") == true, "\(name) in \(connection): \(String(describing: error))")
        }
    }

    /// A topic named like a segment, inside another topic's directory, would make that topic fail at its next open.
    @Test func refusesAConnectionInsideAnotherTopicsDirectory() async throws {
        let log = try await adapter().openLog(for: configuration(root + "/data", options: ["createDirIfNotExist": "true"]), logger: quiet)
        for connection in [root + "/data/orders", root + "/data/orders/deeper"] {
            let neighbour = TopicConfiguration(
                name: try TopicName("neighbour"),
                adapter: .fileSystem,
                connection: connection,
                options: ["createDirIfNotExist": "true"]
            )
            #expect(try refusal(neighbour)?.contains("inside another topic's directory") == true, "\(connection)")
        }
        try await log.close(logger: quiet)
    }

    /// A new topic may not take a name files in a topic's directory have (a topic named `lock` would make its
    /// directory look like a topic's to every neighbour), nor a directory that holds something else.
    @Test func newTopicsTakeNeitherReservedNamesNorOthersDirectories() async throws {
        try FileManager.default.createDirectory(atPath: root + "/data/x/inner", withIntermediateDirectories: true)
        for name in ["lock", "00000000000000000000.jsonl", "00000000000000000000.index", "00000000000000000000.ids"] {
            let reserved = TopicConfiguration(name: try TopicName(name), adapter: .fileSystem, connection: root + "/data")
            #expect(try refusal(reserved)?.contains("files in a topic's directory have that name") == true, "\(name)")
        }
        let overOther = TopicConfiguration(name: try TopicName("x"), adapter: .fileSystem, connection: root + "/data")
        #expect(try refusal(overOther)?.contains("exists and is not a topic's") == true)
    }

    /// The rules for new topics never keep a stored topic from opening: a neighbour made later (by hand or by an
    /// older version) changes nothing for it.
    @Test func aStoredTopicOpensWhateverWasMadeAroundItLater() async throws {
        let log = try await adapter().openLog(for: configuration(root + "/data/x", options: ["createDirIfNotExist": "true"]), logger: quiet)
        try await log.close(logger: quiet)
        #expect(FileManager.default.createFile(atPath: root + "/data/lock", contents: Data()))
        let reopened = try await adapter().openLog(for: configuration(root + "/data/x"), logger: quiet)
        try await reopened.close(logger: quiet)
    }

    /// Topics stored in the server's directory before the default root moved to `<data-dir>/topics` still open;
    /// a new topic there is refused.
    @Test func topicsStoredBeforeTheRootsMovedStillOpen() async throws {
        let server = root + "/server"
        let legacy = try await FileSystemStorageAdapter(allowedRoots: [server], threadPool: .singleton)
            .openLog(for: configuration(server + "/events", options: ["createDirIfNotExist": "true"]), logger: quiet)
        try await legacy.close(logger: quiet)
        let adapter = try FileSystemStorageAdapter(allowedRoots: [server + "/topics"], serverDirectory: server, threadPool: .singleton)
        let reopened = try await adapter.openLog(for: configuration(server + "/events"), logger: quiet)
        try await reopened.close(logger: quiet)
        let other = TopicConfiguration(name: try TopicName("other"), adapter: .fileSystem, connection: server + "/events")
        let error = #expect(throws: EventStoreError.self) { try adapter.topicDirectory(for: other) }
        #expect(error?.message.contains("outside the directories fs topics may use") == true)
    }

    /// Only regular files named like segments are segments: a directory of that name is left alone.
    @Test func onlyRegularFilesAreSegments() async throws {
        let log = try await adapter().openLog(for: configuration(root + "/data", options: ["createDirIfNotExist": "true"]), logger: quiet)
        _ = try await log.append([event("A")], condition: nil, logger: quiet)
        try await log.close(logger: quiet)
        try FileManager.default.createDirectory(atPath: root + "/data/orders/00000000000000000001.jsonl", withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: root + "/data/orders/00000000000000000002.jsonl", withDestinationPath: "/etc/passwd")
        let reopened = try await adapter().openLog(for: configuration(root + "/data"), logger: quiet)
        #expect(try await reopened.read(from: 0, limit: 10, filter: .all, logger: quiet).events.map(\.type) == ["A"])
        #expect(try await reopened.append([event("B")], condition: nil, logger: quiet).entries.map(\.offset) == [1])
        try await reopened.close(logger: quiet)
    }
}
