@testable import AzureBlobStorage
import EventStoreCore
import EventStoreTesting
import Foundation
import Logging
import Testing

/// The blob projection store against the fake Blob service: the conformance suite (also with tiny frames and eager
/// compaction, so batches span frames and logs are replaced often), two stores sharing one projection as two server
/// processes would, and what a dying writer or a failing service leaves.
@Suite("Blob projection store against the fake Blob service")
struct BlobProjectionStoreTests {
    static let name = try! ProjectionName("model")

    /// Frames of 1 KiB (a batch of a few large entries spans several) and compaction past 1 KiB.
    static let tiny: BlobProjectionStore.Options = {
        var options = BlobProjectionStore.Options()
        options.frameBytes = 1024
        options.compactionBytes = 1024
        return options
    }()

    static func store(_ server: FakeBlobServer, options: BlobProjectionStore.Options = .init(), client: BlobContainerClient? = nil) async throws -> BlobProjectionStore {
        let client = try client ?? server.client()
        _ = try? await client.createContainer()
        return BlobProjectionStore(client: client, prefix: "orders", options: options)
    }

    static func json(_ text: String) -> RawJSON { RawJSON(storedBytes: Array(text.utf8)) }

    static func batch(_ generation: Int64, _ from: Int64, _ to: Int64, _ changes: [String: String?]) -> ProjectionBatch {
        ProjectionBatch(
            projection: Self.name,
            generation: generation,
            from: from,
            to: to,
            changes: Dictionary(uniqueKeysWithValues: changes.map { (ProjectionKey($0.key), $0.value.map(Self.json)) })
        )
    }

    static func all(_ store: any ProjectionStore) async throws -> ProjectionEntriesPage {
        try await store.entries(of: Self.name, after: nil, prefix: "", limit: .max, maxBytes: .max, logger: quietLogger)
    }

    static func blobs(_ server: FakeBlobServer, _ prefix: String = "orders/projections/model/") async throws -> [String] {
        try await server.client().list(prefix: prefix).blobs.map(\.name)
    }

    @Test(arguments: ProjectionStoreConformance.Check.allCases)
    func conformance(_ check: ProjectionStoreConformance.Check) async throws {
        try await FakeBlobServer.with { server in
            try await ProjectionStoreConformance { try await Self.store(server) }.run(check)
        }
    }

    @Test(arguments: ProjectionStoreConformance.Check.allCases)
    func conformanceInTinyFramesCompactingOften(_ check: ProjectionStoreConformance.Check) async throws {
        try await FakeBlobServer.with { server in
            try await ProjectionStoreConformance { try await Self.store(server, options: Self.tiny) }.run(check)
        }
    }

    /// What one process applied, another sees; a rebuild swapped in by one fences the other's live writer; and a
    /// writer that read an older length catches up and is fenced rather than writing over.
    @Test func twoProcessesShareAProjection() async throws {
        try await FakeBlobServer.with { server in
            let server1 = try await Self.store(server)
            let server2 = try await Self.store(server)
            let live = try await server1.createGeneration(of: Self.name, logger: quietLogger).generation
            try await server1.apply(Self.batch(live, 0, 5, ["a": "1"]), logger: quietLogger)
            #expect(try await server2.served(Self.name, logger: quietLogger) == ProjectionGeneration(generation: live, checkpoint: 5))
            try await server2.apply(Self.batch(live, 5, 6, ["b": "2"]), logger: quietLogger)
            // server1 last read the log at checkpoint 5: its append meets server2's, it reads it, and is fenced.
            await expectError(.generationFenced) { try await server1.apply(Self.batch(live, 5, 7, ["a": "3"]), logger: quietLogger) }
            try await server1.apply(Self.batch(live, 6, 7, ["a": "3"]), logger: quietLogger)
            #expect(try await Self.all(server2).entries.map(\.value) == [Self.json("3"), Self.json("2")])

            let rebuilt = try await server2.createGeneration(of: Self.name, logger: quietLogger).generation
            try await server2.apply(Self.batch(rebuilt, 0, 9, ["r": "1"]), logger: quietLogger)
            try await server2.swap(Self.name, to: rebuilt, logger: quietLogger)
            await expectError(.generationFenced) { try await server1.apply(Self.batch(live, 7, 8, ["a": "4"]), logger: quietLogger) }
            let page = try await Self.all(server1)
            #expect(page.generation == ProjectionGeneration(generation: rebuilt, checkpoint: 9))
            #expect(page.entries.map(\.key) == [ProjectionKey("r")])
            // The swapped-out generation's log is gone.
            #expect(try await Self.blobs(server).filter { $0.contains("/gen-") }.count == 1)
        }
    }

    /// A writer that died after the first frames of a batch left them at the log's end: readers ignore them (model
    /// and checkpoint agree), and the next writer's batch, appended after them, counts.
    @Test func aBatchCutShortByADyingWriterIsIgnored() async throws {
        try await FakeBlobServer.with { server in
            let store = try await Self.store(server, options: Self.tiny)
            let generation = try await store.createGeneration(of: Self.name, logger: quietLogger).generation
            try await store.apply(Self.batch(generation, 0, 3, ["a": "1"]), logger: quietLogger)
            let log = try #require(try await Self.blobs(server).first { $0.contains("/gen-") })
            let client = try server.client()
            let changes = BlobProjectionChanges.encode(
                (0..<20).map { (ProjectionKey("dead-\($0)"), RawJSON?.some(Self.json("\"\(String(repeating: "x", count: 40))\""))) }, capacity: 1024
            )
            let frames = BlobProjectionFrame.encode(changes, batch: 42, from: 3, to: 10, replacesModel: false, maxBytes: 100)
            #expect(frames.count > 2)
            var length = try #require(try await client.properties(log)).length
            for frame in frames.dropLast() {
                try await client.appendBlock(log, frame, at: length, maxSize: 1 << 30)
                length += Int64(frame.count)
            }

            let reader = try await Self.store(server, options: Self.tiny)
            let page = try await Self.all(reader)
            #expect(page.generation.checkpoint == 3)
            #expect(page.entries.map(\.key) == [ProjectionKey("a")])
            // The writer that knew the log before the dead one's frames reads them (412), and writes after them.
            try await store.apply(Self.batch(generation, 3, 4, ["b": "2"]), logger: quietLogger)
            let after = try await Self.all(reader)
            #expect(after.generation.checkpoint == 4)
            #expect(after.entries.map(\.key) == [ProjectionKey("a"), ProjectionKey("b")])
        }
    }

    /// Compaction replaces a long log by one holding the model: one log per generation remains, every reader sees
    /// the same model, and a writer elsewhere that still knows the old log follows to the new one.
    @Test func compactionKeepsTheModelAndOneLog() async throws {
        try await FakeBlobServer.with { server in
            let store = try await Self.store(server, options: Self.tiny)
            let other = try await Self.store(server, options: Self.tiny)
            let generation = try await store.createGeneration(of: Self.name, logger: quietLogger).generation
            #expect(try await other.served(Self.name, logger: quietLogger)?.generation == generation)
            let logBefore = try await Self.blobs(server).filter { $0.contains("/gen-") }
            for offset in 0..<60 {
                try await store.apply(Self.batch(generation, Int64(offset), Int64(offset + 1), ["k\(offset % 5)": "\(offset)"]), logger: quietLogger)
            }
            let logs = try await Self.blobs(server).filter { $0.contains("/gen-") }
            #expect(logs.count == 1)
            #expect(logs != logBefore)
            #expect(try await server.client().properties(logs[0])!.length < 2048)
            // `other` read the first log, now deleted: it follows the manifest to the new one, and writes there.
            try await other.apply(Self.batch(generation, 60, 61, ["z": "true"]), logger: quietLogger)
            let page = try await Self.all(try await Self.store(server, options: Self.tiny))
            #expect(page.generation.checkpoint == 61)
            #expect(page.entries.map(\.key.text) == ["k0", "k1", "k2", "k3", "k4", "z"])
            #expect(page.entries.first?.value == Self.json("55"))
        }
    }

    /// A compactor that died after sealing the log, before naming a new one: the next writer meets the sealed log
    /// and finishes the compaction.
    @Test func aSealedLogLeftByADyingCompactorIsReplaced() async throws {
        try await FakeBlobServer.with { server in
            let store = try await Self.store(server)
            let generation = try await store.createGeneration(of: Self.name, logger: quietLogger).generation
            try await store.apply(Self.batch(generation, 0, 2, ["a": "1"]), logger: quietLogger)
            let log = try #require(try await Self.blobs(server).first { $0.contains("/gen-") })
            try await server.client().seal(log)
            try await store.apply(Self.batch(generation, 2, 3, ["b": "2"]), logger: quietLogger)
            let logs = try await Self.blobs(server).filter { $0.contains("/gen-") }
            #expect(logs.count == 1 && logs != [log])
            let page = try await Self.all(try await Self.store(server))
            #expect(page.generation.checkpoint == 3)
            #expect(page.entries.map(\.key.text) == ["a", "b"])
        }
    }

    /// An append stored whose answer was lost is found in the log, not written twice; a busy service is waited out.
    @Test func lostAnswersAndABusyServiceLoseNothing() async throws {
        try await FakeBlobServer.with { server in
            let store = try await Self.store(server)
            let generation = try await store.createGeneration(of: Self.name, logger: quietLogger).generation
            try await server.faults(#"{"drop_after_commit": 1}"#)
            try await store.apply(Self.batch(generation, 0, 1, ["a": "1"]), logger: quietLogger)
            try await server.faults(#"{"server_busy": 2, "retry_after": 0}"#)
            try await store.apply(Self.batch(generation, 1, 2, ["b": "2"]), logger: quietLogger)
            let page = try await Self.all(try await Self.store(server))
            #expect(page.generation.checkpoint == 2)
            #expect(page.entries.map(\.key.text) == ["a", "b"])
            let log = try #require(try await Self.blobs(server).first { $0.contains("/gen-") })
            let frames = try BlobProjectionFrame.frames(in: try await server.client().read(log, range: 0..<1 << 20)[...], at: 0).frames
            #expect(frames.count == 2)
        }
    }

    /// A manifest write stored although its answer was lost (libcurl sends it again and meets 412, or no answer comes)
    /// is known for this store's own: a new generation and a compaction both survive it, and nothing the manifest
    /// names is deleted.
    @Test func aManifestWriteWhoseAnswerIsLostIsRecognised() async throws {
        try await FakeBlobServer.with { server in
            let store = try await Self.store(server, options: Self.tiny)
            try await store.adopt(Self.name, fingerprint: "f", logger: quietLogger)
            try await server.faults(#"{"drop_put_after_commit": 1}"#)
            let generation = try? await store.createGeneration(of: Self.name, logger: quietLogger).generation
            let served = try #require(try await Self.store(server, options: Self.tiny).served(Self.name, logger: quietLogger))
            #expect(generation == nil || generation == served.generation)
            for offset in 0..<10 {
                try await store.apply(Self.batch(served.generation, Int64(offset), Int64(offset + 1), ["k\(offset)": "\"\(String(repeating: "v", count: 100))\""]), logger: quietLogger)
            }
            // The next compaction's manifest write loses its answer.
            try await server.faults(#"{"drop_put_after_commit": 1}"#)
            for offset in 10..<30 {
                try await store.apply(Self.batch(served.generation, Int64(offset), Int64(offset + 1), ["k\(offset % 10)": "\(offset)"]), logger: quietLogger)
            }
            let page = try await Self.all(try await Self.store(server, options: Self.tiny))
            #expect(page.generation.checkpoint == 30)
            #expect(page.entries.count == 10)
            #expect(page.entries.first?.value == Self.json("20"))
            let logs = try await Self.blobs(server).filter { $0.contains("/gen-") }
            #expect(logs.count == 1, "\(logs)")
        }
    }

    /// A batch spanning many frames is applied whole, by the writer and by a reader.
    @Test func aBatchOfManyFramesIsAppliedWhole() async throws {
        try await FakeBlobServer.with { server in
            let store = try await Self.store(server, options: Self.tiny)
            let generation = try await store.createGeneration(of: Self.name, logger: quietLogger).generation
            let changes = Dictionary(uniqueKeysWithValues: (0..<2000).map { ("key-\($0)", Optional("\"\(String(repeating: "x", count: 50))\"")) })
            try await store.apply(Self.batch(generation, 0, 2000, changes), logger: quietLogger)
            let log = try #require(try await Self.blobs(server).first { $0.contains("/gen-") })
            #expect(try await server.client().properties(log)!.length > 100 * 1024, "the batch took over a hundred 1 KiB frames")
            for reader in [store, try await Self.store(server, options: Self.tiny)] {
                let page = try await Self.all(reader)
                #expect(page.generation.checkpoint == 2000)
                #expect(page.entries.count == 2000)
            }
        }
    }

    @Test func refusedCredentialsAreAClearUnavailableError() async throws {
        try await FakeBlobServer.with { server in
            _ = try await server.client().createContainer()
            let wrongKey = Data((0..<64).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
            let store = try await Self.store(server, client: try server.client(server.connectionString(key: wrongKey)))
            let error = await expectError(.storageUnavailable) { _ = try await store.createGeneration(of: Self.name, logger: quietLogger) }
            #expect(error?.message.contains("refused the credentials") == true)
        }
    }

    @Test func aDamagedLogOrManifestIsReportedNotServed() async throws {
        try await FakeBlobServer.with { server in
            let store = try await Self.store(server)
            let generation = try await store.createGeneration(of: Self.name, logger: quietLogger).generation
            try await store.apply(Self.batch(generation, 0, 1, ["a": "1"]), logger: quietLogger)
            let client = try server.client()
            let log = try #require(try await Self.blobs(server).first { $0.contains("/gen-") })
            try await client.appendBlock(log, Array("not a frame, but long enough to hold a header of one".utf8), at: try await client.properties(log)!.length, maxSize: 1 << 30)
            let error = await expectError(.storageCorrupted) { _ = try await Self.all(try await Self.store(server)) }
            #expect(error?.message.contains("damaged") == true)

            _ = try await client.putBlockBlob("orders/projections/model/manifest.json", Array("{\"served\": \"x\"".utf8), if: .version(try #require(try await client.get("orders/projections/model/manifest.json")).etag))
            await expectError(.storageCorrupted) { _ = try await Self.all(try await Self.store(server)) }
        }
    }

    /// Removing a projection deletes its logs, also one a process made and died before naming in the manifest; the
    /// generation numbers go on from where they were.
    @Test func removingAProjectionDeletesEveryLog() async throws {
        try await FakeBlobServer.with { server in
            let store = try await Self.store(server)
            let first = try await store.createGeneration(of: Self.name, logger: quietLogger).generation
            _ = try await server.client().createAppendBlob("orders/projections/model/gen-00000000000000000099-dead.log")
            try await store.drop(Self.name, generation: nil, logger: quietLogger)
            #expect(try await Self.blobs(server) == ["orders/projections/model/manifest.json"])
            #expect(try await store.createGeneration(of: Self.name, logger: quietLogger).generation == first + 1)
        }
    }
}
