import EventStoreCore
import EventStoreTesting
import Foundation
import Synchronization
import Testing

@testable import PostgresStorage

/// The shared topic catalog against a real, throwaway PostgreSQL.
@Suite struct PostgresTopicCatalogTests {
    func catalog(_ database: String) -> PostgresTopicCatalog {
        PostgresTopicCatalog(connectionString: database, threadPool: PostgresEventLogTests.threadPool, logger: quietLogger)
    }

    func topic(_ name: String, connection: String = "postgres://app:hunter2@db/events") throws -> TopicConfiguration {
        TopicConfiguration(name: try TopicName(name), adapter: .postgres, connection: connection, options: ["poolSize": "4"])
    }

    @Test func addsKeepsTheFirstConfigurationAndRemoves() async throws {
        let database = try await PostgresCluster.shared().createDatabase()
        let catalog = self.catalog(database)
        #expect(try await catalog.load(logger: quietLogger).isEmpty)
        #expect(try await catalog.add(try topic("orders"), logger: quietLogger) == .added)
        #expect(try await catalog.add(try topic("audit"), logger: quietLogger) == .added)
        #expect(try await catalog.add(try topic("orders"), logger: quietLogger) == .alreadyStored(try topic("orders")))
        #expect(
            try await catalog.add(try topic("orders", connection: "postgres://other/db"), logger: quietLogger) == .alreadyStored(try topic("orders")),
            "the first configuration stays"
        )
        try await catalog.remove(try TopicName("audit"), logger: quietLogger)
        try await catalog.remove(try TopicName("never-there"), logger: quietLogger)

        let reopened = self.catalog(database)
        #expect(try await reopened.load(logger: quietLogger) == [try topic("orders")], "the secret is kept: it is needed to reconnect")
    }

    @Test func concurrentAddsOfOneNameAgreeOnOneConfiguration() async throws {
        let database = try await PostgresCluster.shared().createDatabase()
        let catalogs = [self.catalog(database), self.catalog(database)]
        let outcomes = try await withThrowingTaskGroup(of: CatalogAddition.self) { group in
            for index in 0..<8 {
                group.addTask { try await catalogs[index % 2].add(try topic("orders", connection: "postgres://db/\(index)"), logger: quietLogger) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == .added }.count == 1)
        let stored = try #require(try await catalogs[0].load(logger: quietLogger).first)
        #expect(outcomes.allSatisfy { $0 == .added || $0 == .alreadyStored(stored) })
    }

    @Test func anotherInstanceHearsOfEveryChange() async throws {
        let database = try await PostgresCluster.shared().createDatabase()
        let writer = self.catalog(database)
        let follower = self.catalog(database)
        let heard = Atomic<Int>(0)
        follower.observeChanges { heard.add(1, ordering: .relaxed) }
        _ = try await follower.load(logger: quietLogger)  // creates the table
        try await eventually("the follower listens") { heard.load(ordering: .relaxed) >= 1 }

        let before = heard.load(ordering: .relaxed)
        _ = try await writer.add(try topic("orders"), logger: quietLogger)
        try await eventually("an addition is announced") { heard.load(ordering: .relaxed) > before }
        let afterAdd = heard.load(ordering: .relaxed)
        try await writer.remove(try TopicName("orders"), logger: quietLogger)
        try await eventually("a removal is announced") { heard.load(ordering: .relaxed) > afterAdd }
    }

    @Test func refusesRowsOfAnotherFormat() async throws {
        let database = try await PostgresCluster.shared().createDatabase()
        let catalog = self.catalog(database)
        _ = try await catalog.add(try topic("orders"), logger: quietLogger)
        try await PostgresCluster.shared().psql("UPDATE eventstore_catalog SET format = 99", database: database)
        let error = await #expect(throws: CatalogUnavailable.self) { try await catalog.load(logger: quietLogger) }
        #expect(error?.message.contains("format 99") == true)
    }

    @Test func refusesAConfigurationItCannotRead() async throws {
        let database = try await PostgresCluster.shared().createDatabase()
        let catalog = self.catalog(database)
        _ = try await catalog.add(try topic("orders"), logger: quietLogger)
        try await PostgresCluster.shared().psql(#"UPDATE eventstore_catalog SET configuration = '{"name": "orders"}'"#, database: database)
        let error = await #expect(throws: CatalogUnavailable.self) { try await catalog.load(logger: quietLogger) }
        #expect(error?.message.contains("cannot read") == true)
        await #expect(throws: CatalogUnavailable.self) { try await catalog.add(try topic("orders"), logger: quietLogger) }
    }

    @Test func anUnreachableCatalogIsAClearErrorWithoutSecrets() async throws {
        let port = try LoopbackPort.free()
        let catalog = self.catalog("postgres://app:hunter2@127.0.0.1:\(port)/events?connect_timeout=2")
        let error = await #expect(throws: CatalogUnavailable.self) { try await catalog.load(logger: quietLogger) }
        #expect(error?.message.contains("could not be read") == true)
        #expect(error?.message.contains("hunter2") == false)
        await #expect(throws: CatalogUnavailable.self) { try await catalog.add(try topic("orders"), logger: quietLogger) }
    }
}
