import EventStoreCore
import EventStoreEngine
import EventStoreTesting
import MemoryStorage
import Testing

import Foundation

/// A custom kind, registered beside the built-in ones: counts events, and cannot fold a `Poison` event. It counts a
/// run at once, and fails a run holding a `Poison` event after setting its count: the engine must undo that and find
/// the event one at a time.
struct PoisonCounter: ProjectionKind {
    static let name = "poison-counter"
    let filter = EventFilter.all

    init(definition: ProjectionDefinition, topic: TopicName) throws(EventStoreError) {}

    func keysRead(by event: Event) -> [ProjectionKey] { [ProjectionKey("count")] }

    struct Poisoned: Error {}

    func fold(_ event: Event, into model: inout ProjectionModel) throws {
        if event.type == "Poison" { throw Poisoned() }
        let count = model.value(of: ProjectionKey("count")).flatMap { Int(String(decoding: $0.bytes, as: UTF8.self)) } ?? 0
        model.set(ProjectionKey("count"), to: RawJSON(storedBytes: Array(String(count + 1).utf8)))
    }

    func foldAtOnce(_ events: some Collection<Event>, into model: inout ProjectionModel) throws -> Bool {
        let count = model.value(of: ProjectionKey("count")).flatMap { Int(String(decoding: $0.bytes, as: UTF8.self)) } ?? 0
        model.set(ProjectionKey("count"), to: RawJSON(storedBytes: Array(String(count + events.count).utf8)))
        if events.contains(where: { $0.type == "Poison" }) { throw Poisoned() }
        return true
    }
}

/// A custom kind that counts events per key (`-` for none), and leaves the events from offset 100 on without a
/// partition: a rebuild folds the first in two parts, then moves everything into one.
struct KeyCounter: ProjectionKind {
    static let name = "key-counter"
    let filter = EventFilter.all

    init(definition: ProjectionDefinition, topic: TopicName) throws(EventStoreError) {}

    func keysRead(by event: Event) -> [ProjectionKey] { [ProjectionKey(event.key ?? "-")] }

    func partition(of event: Event) -> ProjectionKey? { event.offset < 100 ? ProjectionKey(event.key ?? "-") : nil }

    func fold(_ event: Event, into model: inout ProjectionModel) throws {
        let key = ProjectionKey(event.key ?? "-")
        let count = model.value(of: key).flatMap { Int(String(decoding: $0.bytes, as: UTF8.self)) } ?? 0
        model.set(key, to: RawJSON(storedBytes: Array(String(count + 1).utf8)))
    }
}

@Suite("Projections in the engine")
struct ProjectionServiceTests {
    let registry = TopicRegistry()
    let orders = try! TopicName("orders")

    struct Engine {
        let topics: TopicService
        let projections: ProjectionService
        let publisher: EventPublisher
    }

    func engine(
        kinds: ProjectionKinds = .builtIn,
        limits: ProjectionLimits = ProjectionLimits(),
        batchSize: Int = 37,
        rebuildBytesPerWrite: Int = ProjectionService.defaultRebuildBytesPerWrite,
        clock: any WallClock = SystemWallClock(),
        adapters: [any StorageAdapter] = [MemoryStorageAdapter()]
    ) async throws -> Engine {
        let reader = EventReader(topics: registry, limits: ReadLimits())
        let projections = ProjectionService(
            kinds: kinds,
            registry: registry,
            reader: reader,
            batchSize: batchSize,
            rebuildBytesPerWrite: rebuildBytesPerWrite,
            logger: quietLogger
        )
        let topics = TopicService(
            registry: registry,
            adapters: adapters,
            catalog: MemoryTopicCatalog(),
            projections: projections,
            memoryProjectionStore: { MemoryProjectionStore() },
            projectionLimits: limits,
            logger: quietLogger
        )
        return Engine(topics: topics, projections: projections, publisher: EventPublisher(topics: registry, limits: EventLimits(), clock: clock))
    }

    static func definition(_ name: String, _ kind: String, types: [String]? = nil, deleteTypes: [String]? = nil) -> ProjectionDefinition {
        ProjectionDefinition(name: try! ProjectionName(name), kind: kind, types: types, deleteTypes: deleteTypes)
    }

    /// Random events: a few keys (and none), a few types, data objects with nested objects and nulls, sometimes not
    /// an object at all.
    static func randomEvents(count: Int, using generator: inout some RandomNumberGenerator) -> [EventDraft] {
        func value(depth: Int) -> String {
            switch Int.random(in: 0..<6, using: &generator) {
            case 0: return "null"
            case 1: return String(Int.random(in: -5...5, using: &generator))
            case 2: return "\"s\(Int.random(in: 0...3, using: &generator))\""
            case 3 where depth < 2: return object(depth: depth + 1)
            case 4: return "[1,{\"z\":null}]"
            default: return "true"
            }
        }
        func object(depth: Int) -> String {
            // (Member names that differ only in Unicode normalisation are tested with JSONMergePatch itself: the
            // reference below, on Foundation's dictionaries, would take them for one.)
            let members = ["a", "b", "c", "é"].filter { _ in Bool.random(using: &generator) }
            return "{" + members.map { "\"\($0)\":\(value(depth: depth))" }.joined(separator: ",") + "}"
        }
        return (0..<count).map { _ in
            let key = ["k1", "k2", "k3", "k4", nil][Int.random(in: 0..<5, using: &generator)]
            let type = ["Set", "Set", "Set", "Note", "Gone"][Int.random(in: 0..<5, using: &generator)]
            let data = Int.random(in: 0..<10, using: &generator) == 0 ? value(depth: 2) : object(depth: 0)
            return EventDraft(type: type, key: key, data: RawJSON(validatedBytes: Array(data.utf8)))
        }
    }

    /// RFC 7396, on values JSONSerialization made: an independent implementation to compare with.
    static func mergePatch(_ target: Any?, _ patch: Any) -> Any {
        guard let patch = patch as? [String: Any] else { return patch }
        var result = target as? [String: Any] ?? [:]
        for (name, value) in patch {
            if value is NSNull { result.removeValue(forKey: name) } else { result[name] = mergePatch(result[name], value) }
        }
        return result
    }

    static func canonical(_ value: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]), as: UTF8.self)
    }

    static func parse(_ json: RawJSON) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(json.bytes), options: [.fragmentsAllowed])
    }

    func entries(_ engine: Engine, _ name: String, checkpoint: Int64) async throws -> [ProjectionEntry] {
        let view = try await engine.projections.projection(
            ProjectionQuery(topic: orders, name: try ProjectionName(name), limit: 10_000, minCheckpoint: checkpoint, wait: .seconds(10)),
            logger: quietLogger
        )
        #expect(view.info.checkpoint >= checkpoint)
        return view.entries ?? []
    }

    /// How a test's projections are built.
    enum Building: CaseIterable, Sendable {
        /// By the live worker only.
        case live
        /// Again, by an online rebuild that writes after (nearly) every page.
        case rebuiltWritingOften
        /// Again, by an online rebuild reading three events per page (the last page holds one) and holding everything
        /// until the end.
        case rebuiltInSmallPages
    }

    /// Each kind's model, kept by the live worker or built again by an online rebuild, matches a fold written here
    /// from scratch.
    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64], Building.allCases)
    func eachKindMatchesAFoldFromScratch(seed: UInt64, building: Building) async throws {
        var generator = SeededGenerator(seed: seed)
        let engine = try await engine(
            kinds: ProjectionKinds.builtIn.adding([KeyCounter.self]),
            batchSize: building == .rebuiltInSmallPages ? 3 : 37,
            rebuildBytesPerWrite: building == .rebuiltWritingOften ? 20 : ProjectionService.defaultRebuildBytesPerWrite,
            clock: SteppingClock()  // each publish a second after the one before
        )
        let projections = [
            Self.definition("counts", "key-counter"),
            Self.definition("stats", "stats"),
            Self.definition("sets", "stats", types: ["Set"]),
            Self.definition("latest", "latest-by-key", deleteTypes: ["Gone"]),
            Self.definition("state", "state-by-key", types: ["Set"], deleteTypes: ["Gone"]),
            Self.definition("every", "state-by-key"),
        ]
        _ = try await engine.topics.createTopic(TopicConfiguration(name: orders, adapter: .memory, projections: projections), logger: quietLogger)
        let drafts = Self.randomEvents(count: 400, using: &generator)
        var published: [Event] = []
        var index = 0
        while index < drafts.count {
            let size = Int.random(in: 1...25, using: &generator)
            let batch = Array(drafts[index..<min(index + size, drafts.count)])
            _ = try await engine.publisher.publish(batch, condition: nil, to: orders, logger: quietLogger)
            index += batch.count
        }
        published = try await EventReader(topics: registry, limits: ReadLimits()).readEvents(EventQuery(topic: orders, limit: 1000), logger: quietLogger).events
        #expect(published.count == drafts.count)
        let head = Int64(published.count)
        if building != .live {
            for definition in projections {
                _ = try await self.entries(engine, definition.name.description, checkpoint: head)
                _ = try await engine.topics.rebuildProjection(definition.name, of: orders, logger: quietLogger)
            }
            // Six rebuilds of 134 pages each, in each of the 15 cases, which run at once: beside the rest of the suite
            // (a browser, the fuzzer) the cases took 37 s, against a second alone.
            try await eventually("every projection serves its rebuilt generation", timeout: .seconds(120)) {
                try await engine.projections.listProjections(of: orders, logger: quietLogger).allSatisfy { $0.state == .running && $0.generation > 1 }
            }
        }

        // key-counter: events per key.
        let counted = try await self.entries(engine, "counts", checkpoint: head)
        let expectedCounts = Dictionary(grouping: published, by: { $0.key ?? "-" }).mapValues { String($0.count) }
        #expect(counted.map(\.key.text) == expectedCounts.keys.map(ProjectionKey.init).sorted().map(\.text))
        #expect(counted.allSatisfy { String(decoding: $0.value.bytes, as: UTF8.self) == expectedCounts[$0.key.text] })

        // state-by-key over Set events, Gone removes; and over every event.
        for (name, types) in [("state", Set(["Set"])), ("every", Set(["Set", "Note", "Gone"]))] {
            var expected: [String: Any] = [:]
            for event in published {
                guard let key = event.key else { continue }
                if name == "state", event.type == "Gone" {
                    expected.removeValue(forKey: key)
                } else if types.contains(event.type) {
                    expected[key] = Self.mergePatch(expected[key], try Self.parse(event.data))
                }
            }
            let stored = try await self.entries(engine, name, checkpoint: head)
            #expect(stored.map(\.key.text) == expected.keys.map(ProjectionKey.init).sorted().map(\.text), "\(name)")
            for entry in stored {
                #expect(try Self.canonical(Self.parse(entry.value)) == Self.canonical(expected[entry.key.text] as Any), "\(name) \(entry.key) \(String(decoding: entry.value.bytes, as: UTF8.self))")
            }
        }

        // latest-by-key: the last event of each key, Gone removes it.
        var latest: [String: Int64] = [:]
        for event in published {
            guard let key = event.key else { continue }
            if event.type == "Gone" { latest.removeValue(forKey: key) } else { latest[key] = event.offset }
        }
        let stored = try await self.entries(engine, "latest", checkpoint: head)
        #expect(stored.map(\.key.text) == latest.keys.sorted())
        for entry in stored {
            let event = try #require(try Self.parse(entry.value) as? [String: Any])
            #expect((event["offset"] as? NSNumber)?.int64Value == latest[entry.key.text])
        }

        // stats: counts per type, first and last offsets.
        for (name, filter) in [("stats", nil), ("sets", "Set")] as [(String, String?)] {
            let view = try await engine.projections.projection(
                ProjectionQuery(topic: orders, name: try ProjectionName(name), minCheckpoint: head, wait: .seconds(10)),
                logger: quietLogger
            )
            let whole = try #require(view.state)
            let state = try #require(try Self.parse(whole) as? [String: Any])
            let counted = published.filter { filter == nil || $0.type == filter }
            #expect((state["count"] as? NSNumber)?.intValue == counted.count)
            #expect((state["first_offset"] as? NSNumber)?.int64Value == counted.first?.offset)
            #expect((state["last_offset"] as? NSNumber)?.int64Value == counted.last?.offset)
            let types = try #require(state["types"] as? [String: Any])
            for type in Set(counted.map(\.type)) {
                let entry = try #require(types[type] as? [String: Any])
                let ofType = counted.filter { $0.type == type }
                #expect((entry["count"] as? NSNumber)?.intValue == ofType.count)
                #expect((entry["first_offset"] as? NSNumber)?.int64Value == ofType.first?.offset)
                #expect((entry["last_offset"] as? NSNumber)?.int64Value == ofType.last?.offset)
                for (field, event) in [("first_timestamp", ofType.first), ("last_timestamp", ofType.last)] {
                    let text = try #require(entry[field] as? String)
                    let written = try Date(text, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true))
                    #expect(abs(written.timeIntervalSince(try #require(event).timestamp)) < 0.000_001, "\(field) of \(type): \(text)")
                }
            }
            #expect(view.info.checkpoint == head, "the checkpoint passes the events the filter skips")
        }
        await engine.projections.stopAll()
    }

    /// A projection whose filter skips a long run of events passes it in reads that a scan bound ends before the head
    /// (as on an fs topic, at 100,000 records), each without events, and reaches the head. (That it reads on at once,
    /// without its 25 ms pause, is not timed here.)
    @Test func aFilteredProjectionPassesSkippedRunsCutByAScanBound() async throws {
        let log = ScanBoundedEventLog(examinedPerRead: 5)
        let engine = try await engine(adapters: [ScriptedStorageAdapter(kind: .memory) { _ in log }])
        let projection = Self.definition("rare", "stats", types: ["Rare"])
        _ = try await engine.topics.createTopic(TopicConfiguration(name: orders, adapter: .memory, projections: [projection]), logger: quietLogger)
        _ = try await engine.publisher.publish(Array(repeating: EventDraft(type: "Common"), count: 63) + [EventDraft(type: "Rare")], condition: nil, to: orders, logger: quietLogger)
        let view = try await engine.projections.projection(
            ProjectionQuery(topic: orders, name: projection.name, minCheckpoint: 64, wait: .seconds(20)),
            logger: quietLogger
        )
        #expect(view.info.checkpoint == 64)
        let whole = try #require(view.state)
        let state = try #require(try Self.parse(whole) as? [String: Any])
        #expect((state["count"] as? NSNumber)?.intValue == 1)
        #expect((state["first_offset"] as? NSNumber)?.int64Value == 63)
        await engine.projections.stopAll()
    }

    @Test func aFailingFoldMarksItsProjectionFailedAndLeavesTheOthersRunning() async throws {
        let engine = try await engine(kinds: ProjectionKinds.builtIn.adding([PoisonCounter.self]))
        let projections = [Self.definition("counter", "poison-counter"), Self.definition("stats", "stats")]
        _ = try await engine.topics.createTopic(TopicConfiguration(name: orders, adapter: .memory, projections: projections), logger: quietLogger)
        let events = [EventDraft(type: "A"), EventDraft(type: "A"), EventDraft(type: "Poison"), EventDraft(type: "A")]
        _ = try await engine.publisher.publish(events, condition: nil, to: orders, logger: quietLogger)
        let stats = try await engine.projections.projection(
            ProjectionQuery(topic: orders, name: try ProjectionName("stats"), minCheckpoint: 4, wait: .seconds(10)),
            logger: quietLogger
        )
        #expect(stats.info.state == .running)
        try await eventually("the counter fails") {
            try await engine.projections.listProjections(of: orders, logger: quietLogger).first { $0.definition.name.rawValue == "counter" }?.state == .failed
        }
        let counter = try await engine.projections.projection(ProjectionQuery(topic: orders, name: try ProjectionName("counter")), logger: quietLogger)
        #expect(counter.info.state == .failed)
        #expect(counter.info.failedOffset == 2)
        #expect(counter.info.checkpoint == 2, "the events before the failing one are applied")
        #expect(counter.info.lastError?.contains("offset 2") == true)
        #expect(counter.entries?.first?.value == RawJSON(storedBytes: Array("2".utf8)))
        let health = await engine.topics.health(logger: quietLogger)
        #expect(health.isHealthy, "a failed projection does not make the service unhealthy")
        #expect(health.topics.first?.projections.map(\.state) == [.failed, .running])
        // Waiting for a checkpoint the failed projection never reaches runs out.
        await expectError(.waitTimedOut) {
            _ = try await engine.projections.projection(
                ProjectionQuery(topic: orders, name: try ProjectionName("counter"), minCheckpoint: 4, wait: .milliseconds(200)),
                logger: quietLogger
            )
        }
        // A rebuild folds the same events, fails at the same one, says so, and leaves the old generation served.
        _ = try await engine.topics.rebuildProjection(try ProjectionName("counter"), of: orders, logger: quietLogger)
        try await eventually("the rebuild fails") {
            let info = try await engine.projections.listProjections(of: orders, logger: quietLogger)[0]
            return info.rebuild == nil && info.rebuildError != nil
        }
        let after = try await engine.projections.listProjections(of: orders, logger: quietLogger)[0]
        #expect(after.rebuildError?.contains("offset 2") == true, "\(String(describing: after.rebuildError))")
        #expect(after.state == .failed)
        #expect(after.generation == counter.info.generation)
        await engine.projections.stopAll()
    }

    /// The bounds that keep one projection from exhausting the server: a key's state, and the types stats lists.
    @Test func oversizedStatesFailTheirProjectionAndStatsListsAtMostTenThousandTypes() async throws {
        let engine = try await engine()
        let projections = [Self.definition("state", "state-by-key"), Self.definition("stats", "stats")]
        _ = try await engine.topics.createTopic(TopicConfiguration(name: orders, adapter: .memory, projections: projections), logger: quietLogger)
        let megabyte = String(repeating: "x", count: (1 << 20) - 64)  // four such members and their names fit in 4 MiB
        for index in 0..<5 {
            _ = try await engine.publisher.publish(
                [EventDraft(type: "Set", key: "big", data: RawJSON(validatedBytes: Array(#"{"m\#(index)":"\#(megabyte)"}"#.utf8)))],
                condition: nil,
                to: orders,
                logger: quietLogger
            )
        }
        try await eventually("the state passes its bound") {
            try await engine.projections.listProjections(of: orders, logger: quietLogger).first { $0.definition.name.rawValue == "state" }?.state == .failed
        }
        let state = try await engine.projections.listProjections(of: orders, logger: quietLogger).first { $0.definition.name.rawValue == "state" }
        #expect(state?.failedOffset == 4, "the fifth member does not fit")
        #expect(state?.lastError?.contains("the state of key 'big' would pass 4194304 bytes") == true, "\(String(describing: state?.lastError))")

        for batch in 0..<11 {
            _ = try await engine.publisher.publish(
                (0..<1000).map { EventDraft(type: "T\(batch * 1000 + $0)") },
                condition: nil,
                to: orders,
                logger: quietLogger
            )
        }
        let view = try await engine.projections.projection(
            ProjectionQuery(topic: orders, name: try ProjectionName("stats"), minCheckpoint: 11_005, wait: .seconds(20)),
            logger: quietLogger
        )
        let whole = try #require(view.state)
        let value = try #require(try Self.parse(whole) as? [String: Any])
        #expect((value["types"] as? [String: Any])?.count == ProjectionService.maxWholeEntries)
        #expect(value["types_truncated"] as? Bool == true)
        await engine.projections.stopAll()
    }

    @Test func anOnlineRebuildServesTheOldGenerationUntilTheNewOneHasCaughtUp() async throws {
        let engine = try await engine()
        _ = try await engine.topics.createTopic(
            TopicConfiguration(name: orders, adapter: .memory, projections: [Self.definition("state", "state-by-key")]),
            logger: quietLogger
        )
        for round in 0..<20 {
            _ = try await engine.publisher.publish(
                (0..<50).map { EventDraft(type: "Set", key: "k\($0 % 7)", data: RawJSON(validatedBytes: Array("{\"round\":\(round),\"i\":\($0)}".utf8))) },
                condition: nil,
                to: orders,
                logger: quietLogger
            )
        }
        let before = try await self.entries(engine, "state", checkpoint: 1000)
        let started = try await engine.topics.rebuildProjection(try ProjectionName("state"), of: orders, logger: quietLogger)
        #expect(started.state == .rebuilding)
        await expectError(.projectionConflict) { _ = try await engine.topics.rebuildProjection(try ProjectionName("state"), of: orders, logger: quietLogger) }
        // Publishing goes on during the rebuild.
        _ = try await engine.publisher.publish([EventDraft(type: "Set", key: "k0", data: RawJSON(validatedBytes: Array("{\"last\":true}".utf8)))], condition: nil, to: orders, logger: quietLogger)
        try await eventually("the rebuilt generation is served") {
            let info = try await engine.projections.listProjections(of: orders, logger: quietLogger)[0]
            return info.state == .running && info.generation > 1
        }
        let after = try await self.entries(engine, "state", checkpoint: 1001)
        #expect(after.map(\.key) == before.map(\.key))
        #expect(after.first?.value == RawJSON(storedBytes: Array("{\"round\":19,\"i\":49,\"last\":true}".utf8)))
        #expect(Array(after.dropFirst()) == Array(before.dropFirst()))
        await engine.projections.stopAll()
    }

    @Test func declarationsAreCheckedAndStoredWithTheTopic() async throws {
        let engine = try await engine(limits: ProjectionLimits(maxPerTopic: 2))
        let catalog = try await engine.topics.createTopic(TopicConfiguration(name: orders, adapter: .memory), logger: quietLogger)
        #expect(catalog.created)
        _ = try await engine.topics.addProjection(Self.definition("one", "stats"), to: orders, logger: quietLogger)
        await expectError(.projectionConflict) { _ = try await engine.topics.addProjection(Self.definition("one", "stats"), to: orders, logger: quietLogger) }
        await expectError(.invalidArgument) { _ = try await engine.topics.addProjection(Self.definition("two", "no-such-kind"), to: orders, logger: quietLogger) }
        await expectError(.invalidArgument) {
            _ = try await engine.topics.addProjection(Self.definition("two", "stats", deleteTypes: ["X"]), to: orders, logger: quietLogger)
        }
        await expectError(.invalidArgument) {
            _ = try await engine.topics.addProjection(Self.definition("two", "state-by-key", types: Array(repeating: "T", count: 101)), to: orders, logger: quietLogger)
        }
        _ = try await engine.topics.addProjection(Self.definition("two", "latest-by-key"), to: orders, logger: quietLogger)
        await expectError(.limitExceeded) { _ = try await engine.topics.addProjection(Self.definition("three", "stats"), to: orders, logger: quietLogger) }
        // A repeated creation compares the storage binding only; the projections it names that are missing are added.
        let repeated = try await engine.topics.createTopic(
            TopicConfiguration(name: orders, adapter: .memory, projections: [Self.definition("one", "stats")]),
            logger: quietLogger
        )
        #expect(!repeated.created)
        #expect(repeated.topic.configuration.projections.map(\.name.rawValue) == ["one", "two"])
        try await engine.topics.removeProjection(try ProjectionName("two"), from: orders, logger: quietLogger)
        await expectError(.projectionNotFound) { try await engine.topics.removeProjection(try ProjectionName("two"), from: orders, logger: quietLogger) }
        await expectError(.projectionNotFound) {
            _ = try await engine.projections.projection(ProjectionQuery(topic: orders, name: try ProjectionName("two")), logger: quietLogger)
        }
        try await engine.topics.deleteTopic(orders, logger: quietLogger)
        await expectError(.topicNotFound) { _ = try await engine.projections.listProjections(of: orders, logger: quietLogger) }
        await expectError(.topicNotFound) {
            _ = try await engine.projections.projection(ProjectionQuery(topic: orders, name: try ProjectionName("one")), logger: quietLogger)
        }
    }
}

/// A small deterministic generator (SplitMix64), so a failing seed can be replayed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { self.state = seed }
    mutating func next() -> UInt64 {
        self.state &+= 0x9E37_79B9_7F4A_7C15
        var z = self.state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
