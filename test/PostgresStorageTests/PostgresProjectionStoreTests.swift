import EventStoreCore
import EventStoreTesting
import Testing

@testable import PostgresStorage

/// The projection tables beside a PostgreSQL topic, against a real, throwaway PostgreSQL.
@Suite struct PostgresProjectionStoreTests {
    /// A store beside a new topic in a new database; the adapter is kept alive with it.
    static func store(_ adapter: PostgresStorageAdapter, table: String? = nil) async throws -> any ProjectionStore {
        let database = try await PostgresCluster.shared().createDatabase()
        let configuration = TopicConfiguration(name: try TopicName("orders"), adapter: .postgres, connection: database, table: table)
        _ = try await adapter.openLog(for: configuration, logger: quietLogger)
        return try #require(try await adapter.openProjectionStore(for: configuration, logger: quietLogger))
    }

    @Test(arguments: ProjectionStoreConformance.Check.allCases)
    func conformance(_ check: ProjectionStoreConformance.Check) async throws {
        let adapter = PostgresEventLogTests.adapter()
        defer { withExtendedLifetime(adapter) {} }
        try await ProjectionStoreConformance { try await Self.store(adapter) }.run(check)
    }

    /// Two writers that read the same checkpoint, at once: one batch is applied, the other fenced.
    @Test func concurrentWritersOfOneGenerationHaveOneWinner() async throws {
        let adapter = PostgresEventLogTests.adapter()
        defer { withExtendedLifetime(adapter) {} }
        let store = try await Self.store(adapter, table: String(repeating: "t", count: 60))
        let name = try ProjectionName("race")
        let generation = try await store.createGeneration(of: name, logger: quietLogger).generation
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for writer in 0..<8 {
                group.addTask {
                    let batch = ProjectionBatch(
                        projection: name,
                        generation: generation,
                        from: 0,
                        to: 10,
                        changes: [ProjectionKey("winner"): RawJSON(storedBytes: Array(String(writer).utf8))]
                    )
                    return (try? await store.apply(batch, logger: quietLogger)) != nil
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        let page = try await store.entries(of: name, after: nil, prefix: "", limit: 10, maxBytes: .max, logger: quietLogger)
        #expect(page.generation.checkpoint == 10)
        #expect(page.entries.count == 1)
    }

    @Test func likePatternsMatchPrefixesLiterally() {
        #expect(PostgresProjectionStore.likePrefix("a%b_c\\") == "a\\%b\\_c\\\\%")
    }
}
