import EventStoreCore
import Logging

/// Folds a topic's events into a new generation of a projection, from offset 0: many pages per write (a write per
/// ``eventsPerWrite`` events or ``bytesPerWrite`` bytes of changes), with what the build wrote kept in memory (up to
/// ``cacheBytes``), so a fold that reads entries rarely asks the store. Used by the online rebuild and by
/// `eventstore-replay`.
struct GenerationBuilder {
    /// Events folded between two writes of the generation.
    static let eventsPerWrite = 50_000
    /// Bytes of changed entries folded between two writes.
    static let bytesPerWrite = 64 << 20
    /// Bytes of entries kept in memory; past it, reads of entries go to the store.
    static let cacheBytes = 256 << 20

    let fold: any ProjectionKind
    let store: any ProjectionStore
    let name: ProjectionName
    let logger: Logger
    private(set) var generation: ProjectionGeneration
    /// Every entry this build wrote (nil: removed); absent keys are absent from the generation. Nil once too large.
    private var cache: [ProjectionKey: RawJSON?]? = [:]
    private var cachedBytes = 0

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
        var pendingEvents = 0
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
                var model = ProjectionModel(fetched: try await self.fetch(page.events, pending: pending))
                for event in page.events {
                    do {
                        try model.folding { try self.fold.fold(event, into: &$0) }
                    } catch {
                        throw EventStoreError(.invalidArgument, "the fold failed at offset \(event.offset): \(error)")
                    }
                }
                for (key, value) in model.changes {
                    let size = key.text.utf8.count + (value?.bytes.count ?? 0)
                    pending[key] = value
                    pendingBytes += size
                    if self.cache != nil {
                        self.cache?[key] = value
                        self.cachedBytes += size
                    }
                }
                if self.cachedBytes > Self.cacheBytes { self.cache = nil }
                position = page.nextOffset
                pendingEvents += page.events.count
                try await progress(position, page.head)
                if pendingEvents >= Self.eventsPerWrite || pendingBytes >= Self.bytesPerWrite {
                    try await self.write(pending, to: position)
                    pending.removeAll(keepingCapacity: true)
                    pendingEvents = 0
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

    /// The entries folding `events` reads: from what the build has not written yet, the cache, or the store.
    private func fetch(_ events: [Event], pending: [ProjectionKey: RawJSON?]) async throws -> [ProjectionKey: RawJSON] {
        var fetched: [ProjectionKey: RawJSON] = [:]
        var missing: Set<ProjectionKey> = []
        for event in events {
            for key in self.fold.keysRead(by: event) {
                if let value = pending[key] {
                    if let value { fetched[key] = value }
                } else if let cache = self.cache {
                    if let cached = cache[key], let value = cached { fetched[key] = value }
                } else {
                    missing.insert(key)
                }
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
    }
}
