import EventStoreCore
import EventStoreTesting
import FileSystemCatalog
import Foundation
import Logging
import Testing

@Suite struct FileSystemTopicCatalogTests {
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    let directory = TestScratch.path("catalog") + "/nested"

    func topic(_ name: String, connection: String? = nil) throws -> TopicConfiguration {
        TopicConfiguration(name: try TopicName(name), adapter: .memory, connection: connection)
    }

    @Test func persistsAcrossInstances() async throws {
        let catalog = FileSystemTopicCatalog(directory: directory)
        #expect(try await catalog.load(logger: logger).isEmpty)
        _ = try await catalog.add(try topic("b"), logger: logger)
        _ = try await catalog.add(try topic("a", connection: "secret-connection"), logger: logger)
        _ = try await catalog.add(try topic("c"), logger: logger)
        #expect(try await catalog.add(try topic("b", connection: "other"), logger: logger) == .alreadyStored(try topic("b")))
        try await catalog.remove(try TopicName("c"), logger: logger)
        try await catalog.remove(try TopicName("never-there"), logger: logger)

        let reopened = FileSystemTopicCatalog(directory: directory)
        #expect(try await reopened.load(logger: logger) == [try topic("a", connection: "secret-connection"), try topic("b")])
    }

    @Test func writesAnOwnerOnlyFileAndLeavesNoTemporaryFiles() async throws {
        let catalog = FileSystemTopicCatalog(directory: directory)
        _ = try await catalog.add(try topic("a"), logger: logger)
        let attributes = try FileManager.default.attributesOfItem(atPath: catalog.path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["catalog.json"])
    }

    @Test func refusesACorruptCatalogAndNeverOverwritesIt() async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = directory + "/catalog.json"
        try Data("{not json".utf8).write(to: URL(fileURLWithPath: path))
        let catalog = FileSystemTopicCatalog(directory: directory)
        await #expect(throws: CatalogError.self) { try await catalog.load(logger: logger) }
        await #expect(throws: CatalogError.self) { _ = try await catalog.add(try topic("a"), logger: logger) }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "{not json")
    }

    @Test func refusesAnUnknownVersion() async throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data(#"{"version": 99, "topics": []}"#.utf8).write(to: URL(fileURLWithPath: directory + "/catalog.json"))
        let error = await #expect(throws: CatalogError.self) { try await FileSystemTopicCatalog(directory: directory).load(logger: logger) }
        #expect(error?.message.contains("version 99") == true)
    }

    @Test func concurrentSavesAllLand() async throws {
        let catalog = FileSystemTopicCatalog(directory: directory)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<20 {
                group.addTask { _ = try await catalog.add(try topic("t\(index)"), logger: logger) }
            }
            try await group.waitForAll()
        }
        #expect(try await FileSystemTopicCatalog(directory: directory).load(logger: logger).count == 20)
    }
}
