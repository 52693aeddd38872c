import EventStoreCore
import Logging

/// Folds a topic's events into a new generation of a projection, from offset 0. A generation being built is not
/// served and a build that stops starts over, so its writes only bound memory: the changes are held (and read back
/// from memory) until they hold `bytesPerWrite` bytes, and written then and at the end; an entry changed many times
/// is written once. Until the first such write the build knows the whole generation, and never asks the store for an
/// entry. The changes are held in two parts, each folded by its own task, when the kind partitions its events
/// (``ProjectionKind/partition(of:)``). Used by the online rebuild and by `eventstore-replay`.
struct GenerationBuilder {
    let fold: any ProjectionKind
    let store: any ProjectionStore
    let name: ProjectionName
    /// Bytes of changed entries (each counted once, as it is now) held before they are written.
    let bytesPerWrite: Int
    let logger: Logger
    private(set) var generation: ProjectionGeneration
    /// Whether the changes held are the whole generation (nothing was written yet): then an entry not among them is
    /// absent.
    private var holdsEverything = true
    /// The changes held since the last write: a key's are always in the same part.
    private var parts = [HeldPart(), HeldPart()]
    /// Whether every event so far had a partition; after one without, everything is folded in the first part.
    private var partitioned = true

    init(
        fold: any ProjectionKind,
        store: any ProjectionStore,
        name: ProjectionName,
        generation: ProjectionGeneration,
        bytesPerWrite: Int,
        logger: Logger
    ) {
        self.fold = fold
        self.store = store
        self.name = name
        self.generation = generation
        self.bytesPerWrite = bytesPerWrite
        self.logger = logger
    }

    /// Folds pages until the build has read up to `target`, or when nil, up to the head (a read that stops short of
    /// the head, as a filtered read of a long run of other events does, is not the end).
    /// - Parameter progress: called after each page with the build's position and the head.
    /// - Throws: `topicNotFound` when the topic is gone; `invalidArgument` naming the offset of an event the fold
    ///   failed on; storage errors; `CancellationError`.
    mutating func fold(
        _ follower: TopicFollower,
        until target: Int64? = nil,
        progress: (_ position: Int64, _ head: Int64) async throws -> Void = { _, _ in }
    ) async throws {
        var position = self.generation.checkpoint
        var step = try await follower.next(from: position, waitingUpTo: .zero, logger: self.logger)
        while target.map({ position < $0 }) ?? true {
            try Task.checkCancellation()
            switch step {
            case .gone:
                throw EventStoreError(.topicNotFound, "topic '\(follower.topic)' was deleted")
            case .caughtUp(let examined, let head):
                position = max(position, examined)
                try await progress(position, head)
                if position >= head { break }  // leaves the loop below
                step = try await follower.next(from: position, waitingUpTo: .zero, logger: self.logger)
                continue
            case .events(let page):
                // The next page is read (on the storage's threads) while this one is folded.
                let more = target.map { page.nextOffset < $0 } ?? true
                async let next = more ? follower.next(from: page.nextOffset, waitingUpTo: .zero, logger: self.logger) : nil
                try await self.fold(page.events)
                position = page.nextOffset
                try await progress(position, page.head)
                if self.parts.reduce(0, { $0 + $1.model.changeBytes }) >= self.bytesPerWrite {
                    try await self.write(to: position)
                }
                guard let following = try await next else { break }
                step = following
                continue
            }
            break
        }
        try await self.write(to: position)
    }

    /// Folds a page: each part's events (in offset order) on its own task.
    /// - Throws: `invalidArgument` naming the first event whose fold failed.
    private mutating func fold(_ events: [Event]) async throws {
        var runs: ([Event], [Event]) = (events, [])
        if self.partitioned {
            // Every event to its key's part, a page of one as well: a part holds its keys for the whole build.
            runs.0 = []
            for event in events {
                guard let partition = self.fold.partition(of: event) else {
                    self.unpartition()
                    runs = (events, [])
                    break
                }
                if partition.hashValue & 1 == 0 { runs.0.append(event) } else { runs.1.append(event) }
            }
        }
        if !self.holdsEverything {
            try await self.fetch(runs.0, into: self.parts[0])
            try await self.fetch(runs.1, into: self.parts[1])
        }
        let (kind, second, secondRun) = (self.fold, self.parts[1], runs.1)
        let other = secondRun.isEmpty ? nil : Task { FoldedEvents(secondRun, with: kind, into: &second.model).failure }
        let failures = [FoldedEvents(runs.0, with: kind, into: &self.parts[0].model).failure, await other?.value].compactMap { $0 }
        // What was fetched for this page is not kept: memory stays bounded by the changes held.
        for part in self.parts { part.model.forgetFetched() }
        if let failure = failures.min(by: { $0.offset < $1.offset }) {
            throw EventStoreError(.invalidArgument, failure.reason)
        }
    }

    /// Moves the second part's changes into the first, for a kind that left an event without a partition.
    private mutating func unpartition() {
        self.partitioned = false
        for (key, change) in self.parts[1].model.changes {
            if let value = change { self.parts[0].model.set(key, to: value) } else { self.parts[0].model.remove(key) }
        }
        self.parts[1] = HeldPart()
    }

    /// Fetches the stored entries folding `events` reads that `part` does not hold (once some were written).
    private func fetch(_ events: [Event], into part: HeldPart) async throws {
        let missing = FoldedEvents.keysRead(by: events, with: self.fold).filter { part.model.changes[$0] == nil }
        guard !missing.isEmpty else { return }
        part.model.addFetched(try await self.store.values(of: missing, in: self.name, generation: self.generation.generation, logger: self.logger))
    }

    /// Writes the changes folded since the last write, moving the generation's checkpoint to `position`.
    private mutating func write(to position: Int64) async throws {
        guard position > self.generation.checkpoint else { return }
        var changes = self.parts[0].model.changes
        changes.merge(self.parts[1].model.changes) { $1 }
        try await self.store.apply(
            ProjectionBatch(projection: self.name, generation: self.generation.generation, from: self.generation.checkpoint, to: position, changes: changes),
            logger: self.logger
        )
        self.generation.checkpoint = position
        self.holdsEverything = false
        self.parts = [HeldPart(), HeldPart()]
    }
}

/// The changes of one part of a generation being built. A class, so that the task folding a part changes its model
/// in place: the builder hands each part to one task at a time and awaits it.
private final class HeldPart: @unchecked Sendable {
    var model = ProjectionModel(fetched: [:])
}
