import EventStoreCore
import EventStoreTesting
import Logging
import NIOPosix
import SQLiteProjections
import Testing

@Suite("SQLite projection store")
struct SQLiteProjectionStoreTests {
    @Test(arguments: ProjectionStoreConformance.Check.allCases)
    func conformance(_ check: ProjectionStoreConformance.Check) async throws {
        try await withTemporaryDirectory { directory in
            try await ProjectionStoreConformance {
                try await SQLiteProjectionStore.open(path: directory + "/projections.sqlite", threadPool: .singleton)
            }.run(check)
        }
    }

    /// What one process applied, another opening the same database (eventstore-replay beside the server) sees; and
    /// the second one's writes are fenced the same way.
    @Test func twoConnectionsShareOneDatabase() async throws {
        try await withTemporaryDirectory { directory in
            let logger = Logger(label: "test")
            let name = try ProjectionName("shared")
            let server = try await SQLiteProjectionStore.open(path: directory + "/projections.sqlite", threadPool: .singleton)
            let replay = try await SQLiteProjectionStore.open(path: directory + "/projections.sqlite", threadPool: .singleton)
            let live = try await server.createGeneration(of: name, logger: logger)
            try await server.apply(ProjectionBatch(projection: name, generation: live.generation, from: 0, to: 5, changes: [:]), logger: logger)
            let rebuilt = try await replay.createGeneration(of: name, logger: logger)
            try await replay.apply(ProjectionBatch(projection: name, generation: rebuilt.generation, from: 0, to: 8, changes: [:]), logger: logger)
            try await replay.swap(name, to: rebuilt.generation, logger: logger)
            #expect(try await server.served(name, logger: logger) == ProjectionGeneration(generation: rebuilt.generation, checkpoint: 8))
            await expectError(.generationFenced) {
                try await server.apply(ProjectionBatch(projection: name, generation: live.generation, from: 5, to: 6, changes: [:]), logger: logger)
            }
            try await server.close(logger: logger)
            try await replay.close(logger: logger)
        }
    }
}
