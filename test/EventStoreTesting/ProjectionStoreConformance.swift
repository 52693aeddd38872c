public import EventStoreCore
import Logging
public import Testing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The behaviour every ``ProjectionStore`` must show, written once against the port.
///
/// ```swift
/// @Test(arguments: ProjectionStoreConformance.Check.allCases)
/// func conformance(_ check: ProjectionStoreConformance.Check) async throws {
///     try await ProjectionStoreConformance { MemoryProjectionStore() }.run(check)
/// }
/// ```
public struct ProjectionStoreConformance: Sendable {
    public enum Check: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case firstGenerationIsServedAtCheckpointZero
        case batchAppliesChangesWithItsCheckpoint
        case writesAreFencedByCheckpoint
        case writesAreFencedByGeneration
        case entriesArePagedInByteOrderWithAPrefix
        case newGenerationIsBuiltBesideTheServedOne
        case droppedGenerationIsGone
        case removingAProjectionRemovesEverything
        case projectionsAreApart
        case extremeKeysAndValuesRoundTrip
        case aLeaseKeepsTwoRebuildersApart
        case interruptedRebuildsAreDropped
        case pagesEndAtTheirByteBudget
        case aModelOfAnotherDefinitionIsDropped
        case generationNumbersAreNeverReused

        public var testDescription: String { self.rawValue }
    }

    private let makeStore: @Sendable () async throws -> any ProjectionStore
    private let logger = Logger(label: "conformance", factory: { _ in SwiftLogNoOpLogHandler() })

    /// - Parameter makeStore: opens a new, empty store for each check.
    public init(makeStore: @escaping @Sendable () async throws -> any ProjectionStore) {
        self.makeStore = makeStore
    }

    public func run(_ check: Check) async throws {
        let store = try await self.makeStore()
        switch check {
        case .firstGenerationIsServedAtCheckpointZero: try await self.firstGenerationIsServed(store)
        case .batchAppliesChangesWithItsCheckpoint: try await self.batchApplies(store)
        case .writesAreFencedByCheckpoint: try await self.fencedByCheckpoint(store)
        case .writesAreFencedByGeneration: try await self.fencedByGeneration(store)
        case .entriesArePagedInByteOrderWithAPrefix: try await self.paging(store)
        case .newGenerationIsBuiltBesideTheServedOne: try await self.newGeneration(store)
        case .droppedGenerationIsGone: try await self.droppedGeneration(store)
        case .removingAProjectionRemovesEverything: try await self.removal(store)
        case .projectionsAreApart: try await self.apart(store)
        case .extremeKeysAndValuesRoundTrip: try await self.extremes(store)
        case .aLeaseKeepsTwoRebuildersApart: try await self.leases(store)
        case .interruptedRebuildsAreDropped: try await self.interrupted(store)
        case .pagesEndAtTheirByteBudget: try await self.byteBudget(store)
        case .aModelOfAnotherDefinitionIsDropped: try await self.adoption(store)
        case .generationNumbersAreNeverReused: try await self.numbering(store)
        }
        try await store.close(logger: self.logger)
    }

    private static let name = try! ProjectionName("model")

    private static func json(_ text: String) -> RawJSON { RawJSON(storedBytes: Array(text.utf8)) }

    private static func key(_ text: String) -> ProjectionKey { ProjectionKey(text) }

    private func all(_ store: any ProjectionStore, prefix: String = "", name: ProjectionName = Self.name) async throws -> ProjectionEntriesPage {
        try await store.entries(of: name, after: nil, prefix: prefix, limit: .max, maxBytes: .max, logger: self.logger)
    }

    private func firstGenerationIsServed(_ store: any ProjectionStore) async throws {
        #expect(try await store.served(Self.name, logger: self.logger) == nil)
        await expectError(.projectionNotFound) { _ = try await self.all(store) }
        let first = try await store.createGeneration(of: Self.name, logger: self.logger)
        #expect(first.checkpoint == 0)
        #expect(try await store.served(Self.name, logger: self.logger) == first)
        let page = try await self.all(store)
        #expect(page.entries.isEmpty)
        #expect(page.generation == first)
    }

    private func batchApplies(_ store: any ProjectionStore) async throws {
        let generation = try await store.createGeneration(of: Self.name, logger: self.logger).generation
        try await store.apply(
            ProjectionBatch(projection: Self.name, generation: generation, from: 0, to: 3, changes: [Self.key("a"): Self.json("1"), Self.key("b"): Self.json("{\"x\":2}")]),
            logger: self.logger
        )
        try await store.apply(
            ProjectionBatch(projection: Self.name, generation: generation, from: 3, to: 7, changes: [Self.key("a"): nil, Self.key("c"): Self.json("[3]")]),
            logger: self.logger
        )
        let page = try await self.all(store)
        #expect(page.generation == ProjectionGeneration(generation: generation, checkpoint: 7))
        #expect(page.entries == [ProjectionEntry(key: Self.key("b"), value: Self.json("{\"x\":2}")), ProjectionEntry(key: Self.key("c"), value: Self.json("[3]"))])
        let one = try await store.entry(Self.key("c"), of: Self.name, logger: self.logger)
        #expect(one.entries.map(\.value) == [Self.json("[3]")])
        #expect(one.generation.checkpoint == 7)
        #expect(try await store.entry(Self.key("a"), of: Self.name, logger: self.logger).entries.isEmpty)
        let values = try await store.values(of: [Self.key("a"), Self.key("b"), Self.key("zz")], in: Self.name, generation: generation, logger: self.logger)
        #expect(values == [Self.key("b"): Self.json("{\"x\":2}")])
        // A batch that only moves the checkpoint (events the filter skipped).
        try await store.apply(ProjectionBatch(projection: Self.name, generation: generation, from: 7, to: 9, changes: [:]), logger: self.logger)
        #expect(try await store.served(Self.name, logger: self.logger)?.checkpoint == 9)
    }

    private func fencedByCheckpoint(_ store: any ProjectionStore) async throws {
        let generation = try await store.createGeneration(of: Self.name, logger: self.logger).generation
        try await store.apply(ProjectionBatch(projection: Self.name, generation: generation, from: 0, to: 5, changes: [Self.key("a"): Self.json("1")]), logger: self.logger)
        // A second writer that read checkpoint 0 must not apply its batch over the first one's.
        await expectError(.generationFenced) {
            try await store.apply(
                ProjectionBatch(projection: Self.name, generation: generation, from: 0, to: 3, changes: [Self.key("a"): Self.json("2"), Self.key("b"): Self.json("2")]),
                logger: self.logger
            )
        }
        let page = try await self.all(store)
        #expect(page.generation.checkpoint == 5)
        #expect(page.entries == [ProjectionEntry(key: Self.key("a"), value: Self.json("1"))])
    }

    private func fencedByGeneration(_ store: any ProjectionStore) async throws {
        let live = try await store.createGeneration(of: Self.name, logger: self.logger)
        let rebuilt = try await store.createGeneration(of: Self.name, logger: self.logger)
        try await store.apply(ProjectionBatch(projection: Self.name, generation: rebuilt.generation, from: 0, to: 4, changes: [Self.key("r"): Self.json("1")]), logger: self.logger)
        try await store.swap(Self.name, to: rebuilt.generation, logger: self.logger)
        // The live worker still writing the swapped-out generation is refused, and changes nothing.
        await expectError(.generationFenced) {
            try await store.apply(ProjectionBatch(projection: Self.name, generation: live.generation, from: 0, to: 2, changes: [Self.key("l"): Self.json("1")]), logger: self.logger)
        }
        await expectError(.generationFenced) {
            try await store.apply(ProjectionBatch(projection: Self.name, generation: 999, from: 0, to: 2, changes: [Self.key("l"): Self.json("1")]), logger: self.logger)
        }
        await expectError(.generationFenced) { try await store.swap(Self.name, to: 999, logger: self.logger) }
        let page = try await self.all(store)
        #expect(page.generation == ProjectionGeneration(generation: rebuilt.generation, checkpoint: 4))
        #expect(page.entries.map(\.key) == [Self.key("r")])
    }

    private func paging(_ store: any ProjectionStore) async throws {
        let generation = try await store.createGeneration(of: Self.name, logger: self.logger).generation
        // Composed and decomposed é are two keys; order is by UTF-8 bytes ("Z" < "a" < "e\u{301}" < "é").
        let keys = ["a", "ab", "abc", "b", "Z", "é", "e\u{301}", "a/b", "a%2F", "user:1", "user:10", "user:2", "users", "\u{1F600}"]
        var changes: [ProjectionKey: RawJSON?] = [:]
        for (index, key) in keys.enumerated() { changes[Self.key(key)] = Self.json(String(index)) }
        try await store.apply(ProjectionBatch(projection: Self.name, generation: generation, from: 0, to: 1, changes: changes), logger: self.logger)
        let sorted = keys.map(Self.key).sorted()
        #expect(try await self.all(store).entries.map(\.key) == sorted)
        #expect(try await self.all(store).entries.count == keys.count)
        // Pages of 3 by `after` cover everything once, in order.
        var seen: [ProjectionKey] = []
        var after: ProjectionKey?
        while true {
            let page = try await store.entries(of: Self.name, after: after, prefix: "", limit: 3, maxBytes: .max, logger: self.logger)
            seen += page.entries.map(\.key)
            guard page.entries.count == 3 else { break }
            after = page.entries.last?.key
        }
        #expect(seen == sorted)
        #expect(try await self.all(store, prefix: "user:").entries.map(\.key.text) == ["user:1", "user:10", "user:2"])
        #expect(try await self.all(store, prefix: "a").entries.map(\.key.text) == ["a", "a%2F", "a/b", "ab", "abc"])
        #expect(try await self.all(store, prefix: "e").entries.map(\.key.text) == ["e\u{301}"])
        #expect(try await self.all(store, prefix: "nothing").entries.isEmpty)
        let afterInPrefix = try await store.entries(of: Self.name, after: Self.key("user:10"), prefix: "user:", limit: 10, maxBytes: .max, logger: self.logger)
        #expect(afterInPrefix.entries.map(\.key.text) == ["user:2"])
        let afterBeforePrefix = try await store.entries(of: Self.name, after: Self.key("a"), prefix: "user", limit: 10, maxBytes: .max, logger: self.logger)
        #expect(afterBeforePrefix.entries.map(\.key.text) == ["user:1", "user:10", "user:2", "users"])
        let afterPastPrefix = try await store.entries(of: Self.name, after: Self.key("z"), prefix: "user", limit: 10, maxBytes: .max, logger: self.logger)
        #expect(afterPastPrefix.entries.isEmpty)
    }

    private func newGeneration(_ store: any ProjectionStore) async throws {
        let served = try await store.createGeneration(of: Self.name, logger: self.logger)
        try await store.apply(ProjectionBatch(projection: Self.name, generation: served.generation, from: 0, to: 10, changes: [Self.key("old"): Self.json("1")]), logger: self.logger)
        let building = try await store.createGeneration(of: Self.name, logger: self.logger)
        #expect(building.generation > served.generation)
        #expect(building.checkpoint == 0)
        try await store.apply(ProjectionBatch(projection: Self.name, generation: building.generation, from: 0, to: 12, changes: [Self.key("new"): Self.json("2")]), logger: self.logger)
        // The served generation is untouched while the new one is built.
        let before = try await self.all(store)
        #expect(before.generation == ProjectionGeneration(generation: served.generation, checkpoint: 10))
        #expect(before.entries.map(\.key) == [Self.key("old")])
        #expect(try await store.values(of: [Self.key("new")], in: Self.name, generation: building.generation, logger: self.logger).count == 1)
        try await store.swap(Self.name, to: building.generation, logger: self.logger)
        let after = try await self.all(store)
        #expect(after.generation == ProjectionGeneration(generation: building.generation, checkpoint: 12))
        #expect(after.entries.map(\.key) == [Self.key("new")])
        #expect(try await store.values(of: [Self.key("old")], in: Self.name, generation: served.generation, logger: self.logger).isEmpty)
        // Generations keep counting up after a swap.
        #expect(try await store.createGeneration(of: Self.name, logger: self.logger).generation > building.generation)
    }

    private func droppedGeneration(_ store: any ProjectionStore) async throws {
        let served = try await store.createGeneration(of: Self.name, logger: self.logger)
        let partial = try await store.createGeneration(of: Self.name, logger: self.logger)
        try await store.apply(ProjectionBatch(projection: Self.name, generation: partial.generation, from: 0, to: 3, changes: [Self.key("p"): Self.json("1")]), logger: self.logger)
        try await store.drop(Self.name, generation: partial.generation, logger: self.logger)
        try await store.drop(Self.name, generation: partial.generation, logger: self.logger)  // again: nothing to do
        await expectError(.generationFenced) {
            try await store.apply(ProjectionBatch(projection: Self.name, generation: partial.generation, from: 3, to: 4, changes: [:]), logger: self.logger)
        }
        #expect(try await store.values(of: [Self.key("p")], in: Self.name, generation: partial.generation, logger: self.logger).isEmpty)
        // Dropping the served generation by number does nothing: it is dropped only with its projection.
        try await store.drop(Self.name, generation: served.generation, logger: self.logger)
        #expect(try await store.served(Self.name, logger: self.logger) == served)
    }

    private func removal(_ store: any ProjectionStore) async throws {
        let served = try await store.createGeneration(of: Self.name, logger: self.logger)
        try await store.apply(ProjectionBatch(projection: Self.name, generation: served.generation, from: 0, to: 1, changes: [Self.key("a"): Self.json("1")]), logger: self.logger)
        _ = try await store.createGeneration(of: Self.name, logger: self.logger)
        try await store.drop(Self.name, generation: nil, logger: self.logger)
        #expect(try await store.served(Self.name, logger: self.logger) == nil)
        // Declared again, it starts afresh.
        let again = try await store.createGeneration(of: Self.name, logger: self.logger)
        #expect(again.checkpoint == 0)
        #expect(try await self.all(store).entries.isEmpty)
    }

    private func apart(_ store: any ProjectionStore) async throws {
        let other = try ProjectionName("other")
        let mine = try await store.createGeneration(of: Self.name, logger: self.logger)
        let theirs = try await store.createGeneration(of: other, logger: self.logger)
        try await store.apply(ProjectionBatch(projection: Self.name, generation: mine.generation, from: 0, to: 1, changes: [Self.key("k"): Self.json("\"mine\"")]), logger: self.logger)
        try await store.apply(ProjectionBatch(projection: other, generation: theirs.generation, from: 0, to: 2, changes: [Self.key("k"): Self.json("\"theirs\"")]), logger: self.logger)
        #expect(try await self.all(store).entries.map(\.value) == [Self.json("\"mine\"")])
        #expect(try await self.all(store, name: other).entries.map(\.value) == [Self.json("\"theirs\"")])
        try await store.drop(other, generation: nil, logger: self.logger)
        #expect(try await self.all(store).generation.checkpoint == 1)
    }

    private func extremes(_ store: any ProjectionStore) async throws {
        let generation = try await store.createGeneration(of: Self.name, logger: self.logger).generation
        let long = String(repeating: "k", count: 4096)
        let big = Self.json("\"" + String(repeating: "v", count: 1 << 20) + "\"")
        let keys = [long, "line\nbreak", "tab\there", "quote\"'`;--", "", " ", "e\u{301}\u{301}\u{301}"]
        var changes: [ProjectionKey: RawJSON?] = [:]
        for key in keys { changes[Self.key(key)] = key == long ? big : Self.json("{\"k\":\(keys.firstIndex(of: key)!)}") }
        try await store.apply(ProjectionBatch(projection: Self.name, generation: generation, from: 0, to: Int64.max - 1, changes: changes), logger: self.logger)
        let page = try await self.all(store)
        #expect(page.generation.checkpoint == Int64.max - 1)
        #expect(Set(page.entries.map(\.key)) == Set(keys.map(Self.key)))
        #expect(try await store.entry(Self.key(long), of: Self.name, logger: self.logger).entries.first?.value == big)
        #expect(try await store.entry(Self.key("line\nbreak"), of: Self.name, logger: self.logger).entries.first?.value == Self.json("{\"k\":1}"))
    }

    private func leases(_ store: any ProjectionStore) async throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        #expect(try await store.acquireLease(Self.name, holder: "replay", now: now, duration: .seconds(10), logger: self.logger) == nil)
        #expect(try await store.acquireLease(Self.name, holder: "server", now: now.addingTimeInterval(5), duration: .seconds(10), logger: self.logger) == "replay")
        // Renewed by its holder, it lasts longer.
        #expect(try await store.acquireLease(Self.name, holder: "replay", now: now.addingTimeInterval(8), duration: .seconds(10), logger: self.logger) == nil)
        #expect(try await store.acquireLease(Self.name, holder: "server", now: now.addingTimeInterval(15), duration: .seconds(10), logger: self.logger) == "replay")
        // Another projection's lease is apart.
        #expect(try await store.acquireLease(try ProjectionName("other"), holder: "server", now: now, duration: .seconds(10), logger: self.logger) == nil)
        // Expired, it can be taken.
        #expect(try await store.acquireLease(Self.name, holder: "server", now: now.addingTimeInterval(19), duration: .seconds(10), logger: self.logger) == nil)
        // Released (only by its holder), it is free at once.
        try await store.releaseLease(Self.name, holder: "replay", logger: self.logger)
        #expect(try await store.acquireLease(Self.name, holder: "replay", now: now.addingTimeInterval(20), duration: .seconds(10), logger: self.logger) == "server")
        try await store.releaseLease(Self.name, holder: "server", logger: self.logger)
        #expect(try await store.acquireLease(Self.name, holder: "replay", now: now.addingTimeInterval(20), duration: .seconds(10), logger: self.logger) == nil)
    }

    private func interrupted(_ store: any ProjectionStore) async throws {
        let served = try await store.createGeneration(of: Self.name, logger: self.logger)
        try await store.apply(ProjectionBatch(projection: Self.name, generation: served.generation, from: 0, to: 2, changes: [Self.key("s"): Self.json("1")]), logger: self.logger)
        for _ in 0..<2 {
            let partial = try await store.createGeneration(of: Self.name, logger: self.logger)
            try await store.apply(ProjectionBatch(projection: Self.name, generation: partial.generation, from: 0, to: 1, changes: [Self.key("p"): Self.json("1")]), logger: self.logger)
        }
        try await store.dropUnserved(Self.name, logger: self.logger)
        #expect(try await store.served(Self.name, logger: self.logger) == ProjectionGeneration(generation: served.generation, checkpoint: 2))
        #expect(try await self.all(store).entries.map(\.key) == [Self.key("s")])
        for generation in (served.generation + 1)...(served.generation + 2) {
            #expect(try await store.values(of: [Self.key("p")], in: Self.name, generation: generation, logger: self.logger).isEmpty)
            await expectError(.generationFenced) { try await store.swap(Self.name, to: generation, logger: self.logger) }
        }
    }

    private func byteBudget(_ store: any ProjectionStore) async throws {
        let generation = try await store.createGeneration(of: Self.name, logger: self.logger).generation
        var changes: [ProjectionKey: RawJSON?] = [:]
        for index in 0..<10 { changes[Self.key("k\(index)")] = Self.json("\"" + String(repeating: "v", count: 98) + "\"") }  // 100 bytes each
        try await store.apply(ProjectionBatch(projection: Self.name, generation: generation, from: 0, to: 1, changes: changes), logger: self.logger)
        let page = try await store.entries(of: Self.name, after: nil, prefix: "", limit: 100, maxBytes: 350, logger: self.logger)
        #expect(page.entries.map(\.key.text) == ["k0", "k1", "k2"])
        #expect(page.endedAtBudget)
        let one = try await store.entries(of: Self.name, after: nil, prefix: "", limit: 100, maxBytes: 10, logger: self.logger)
        #expect(one.entries.count == 1, "at least one entry")
        let all = try await store.entries(of: Self.name, after: nil, prefix: "", limit: 100, maxBytes: 1000, logger: self.logger)
        #expect(all.entries.count == 10)
        #expect(!all.endedAtBudget)
        let limited = try await store.entries(of: Self.name, after: nil, prefix: "", limit: 4, maxBytes: .max, logger: self.logger)
        #expect(limited.entries.count == 4)
        #expect(!limited.endedAtBudget, "a page that ends at its limit did not end at its budget")
    }

    private func adoption(_ store: any ProjectionStore) async throws {
        try await store.adopt(Self.name, fingerprint: "stats", logger: self.logger)
        let first = try await store.createGeneration(of: Self.name, logger: self.logger)
        try await store.apply(ProjectionBatch(projection: Self.name, generation: first.generation, from: 0, to: 5, changes: [Self.key("a"): Self.json("1")]), logger: self.logger)
        // The same definition again keeps the model.
        try await store.adopt(Self.name, fingerprint: "stats", logger: self.logger)
        #expect(try await store.served(Self.name, logger: self.logger)?.checkpoint == 5)
        // Declared again differently, the name starts afresh.
        try await store.adopt(Self.name, fingerprint: "state-by-key", logger: self.logger)
        #expect(try await store.served(Self.name, logger: self.logger) == nil)
        await expectError(.generationFenced) {
            try await store.apply(ProjectionBatch(projection: Self.name, generation: first.generation, from: 5, to: 6, changes: [:]), logger: self.logger)
        }
    }

    private func numbering(_ store: any ProjectionStore) async throws {
        let first = try await store.createGeneration(of: Self.name, logger: self.logger)
        let partial = try await store.createGeneration(of: Self.name, logger: self.logger)
        try await store.dropUnserved(Self.name, logger: self.logger)
        let next = try await store.createGeneration(of: Self.name, logger: self.logger)
        #expect(next.generation > partial.generation, "a dropped generation's number is not given out again")
        try await store.drop(Self.name, generation: nil, logger: self.logger)
        let again = try await store.createGeneration(of: Self.name, logger: self.logger)
        #expect(again.generation > next.generation)
        #expect(try await store.served(Self.name, logger: self.logger)?.generation == again.generation, "served as the first of its model")
        #expect(first.generation < partial.generation)
    }
}
