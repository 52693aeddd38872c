import EventStoreCore
import Logging

/// Folds a topic's events into a new generation of a projection, from offset 0. A generation being built is not
/// served and a build that stops starts over, so its writes only bound memory: the changes are held (and read back
/// from memory) until they hold ``bytesPerWrite`` bytes, and written then and at the end; an entry changed many times
/// is written once. Until the first such write the build knows the whole generation, and never asks the store for an
/// entry. Used by the online rebuild and by `eventstore-replay`.
struct GenerationBuilder {
    /// Bytes of changed entries (each counted once, as it is now) held before they are written.
    static let bytesPerWrite = 64 << 20

    let fold: any ProjectionKind
    let store: any ProjectionStore
    let name: ProjectionName
    let logger: Logger
    private(set) var generation: ProjectionGeneration
    /// Whether the changes held are the whole generation (nothing was written yet): then an entry not among them is
    /// absent.
    private var holdsEverything = true

    init(fold: any ProjectionKind, store: any ProjectionStore, name: ProjectionName, generation: ProjectionGeneration, logger: Logger) {
        self.fold = fold
        self.store = store
        self.name = name
        self.generation = generation
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
        var pending: [ProjectionKey: RawJSON?] = [:]
        var pendingBytes = 0
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
                let fetched = try await self.fetch(page.events, pending: pending)
                for (key, value) in try await Self.fold(page.events, with: self.fold, fetched: fetched) {
                    let size = key.text.utf8.count + (value?.bytes.count ?? 0)
                    let replaced = pending.updateValue(value, forKey: key).map { key.text.utf8.count + ($0?.bytes.count ?? 0) } ?? 0
                    pendingBytes += size - replaced
                }
                position = page.nextOffset
                try await progress(position, page.head)
                if pendingBytes >= Self.bytesPerWrite {
                    try await self.write(pending, to: position)
                    pending.removeAll(keepingCapacity: true)
                    pendingBytes = 0
                }
                guard let following = try await next else { break }
                step = following
                continue
            }
            break
        }
        try await self.write(pending, to: position)
    }

    /// Folds a page: its partitions (``ProjectionKind/partition(of:)``) two at once, each event in offset order
    /// within its own; a kind of one partition, one event after the other.
    /// - Returns: the changes.
    /// - Throws: `invalidArgument` naming the first event whose fold failed.
    private static func fold(
        _ events: [Event],
        with fold: any ProjectionKind,
        fetched: [ProjectionKey: RawJSON]
    ) async throws -> [ProjectionKey: RawJSON?] {
        var halves: ([Event], [Event]) = ([], [])
        if events.count > 1 {
            for event in events {
                guard let partition = fold.partition(of: event) else {
                    halves = (events, [])
                    break
                }
                if partition.hashValue & 1 == 0 { halves.0.append(event) } else { halves.1.append(event) }
            }
        } else {
            halves = (events, [])
        }
        let (first, second) = halves
        let other = second.isEmpty ? nil : Task { FoldedEvents(second, with: fold, fetched: fetched) }
        var changes: [ProjectionKey: RawJSON?] = [:]
        var failure: (offset: Int64, reason: String)?
        for part in [FoldedEvents(first, with: fold, fetched: fetched), await other?.value] {
            guard let part else { continue }
            changes.merge(part.changes) { $1 }
            if let failed = part.failure, failure.map({ failed.offset < $0.offset }) ?? true { failure = failed }
        }
        if let failure {
            throw EventStoreError(.invalidArgument, failure.reason)
        }
        return changes
    }

    /// The entries folding `events` reads: from the changes held, else (once some were written) the store.
    private func fetch(_ events: [Event], pending: [ProjectionKey: RawJSON?]) async throws -> [ProjectionKey: RawJSON] {
        var fetched: [ProjectionKey: RawJSON] = [:]
        var missing: Set<ProjectionKey> = []
        for key in FoldedEvents.keysRead(by: events, with: self.fold) {
            if let value = pending[key] {
                if let value { fetched[key] = value }
            } else if !self.holdsEverything {
                missing.insert(key)
            }
        }
        if !missing.isEmpty {
            fetched.merge(try await self.store.values(of: missing, in: self.name, generation: self.generation.generation, logger: self.logger)) { $1 }
        }
        return fetched
    }

    /// Writes the changes folded since the last write, moving the generation's checkpoint to `position`.
    private mutating func write(_ changes: [ProjectionKey: RawJSON?], to position: Int64) async throws {
        guard position > self.generation.checkpoint else { return }
        try await self.store.apply(
            ProjectionBatch(projection: self.name, generation: self.generation.generation, from: self.generation.checkpoint, to: position, changes: changes),
            logger: self.logger
        )
        self.generation.checkpoint = position
        self.holdsEverything = false
    }
}
