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
        #expect(try refusal(configuration(root, options: ["segmentBytes": "12"]))?.contains("at least 4096") == true)
        #expect(try refusal(configuration(root, options: ["createDirIfNotExist": "yes"])) != nil)
    }

    @Test func opensTopicsInTheirOwnDirectory() async throws {
        let log = try await adapter().openLog(for: configuration(root + "/data", options: ["createDirIfNotExist": "true"]), logger: quiet)
        #expect(FileManager.default.fileExists(atPath: root + "/data/orders/lock"))
        try await log.close(logger: quiet)
    }
}
