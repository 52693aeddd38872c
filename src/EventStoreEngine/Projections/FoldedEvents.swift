import EventStoreCore

/// What folding a run of events came to: the changes of the events before the first that failed (all of them when
/// none did), and that event and why. The live worker and the rebuilds fold through it alike.
struct FoldedEvents {
    var changes: [ProjectionKey: RawJSON?]
    /// How many events were folded.
    var folded: Int
    /// The first event whose fold failed, and why; its changes are undone.
    var failure: (offset: Int64, reason: String)?

    /// Folds `events` in order over a model of `fetched`.
    init(_ events: some Collection<Event>, with kind: any ProjectionKind, fetched: [ProjectionKey: RawJSON]) {
        var model = ProjectionModel(fetched: fetched)
        var folded = 0
        var failure: (offset: Int64, reason: String)?
        for event in events {
            do {
                try model.folding { try kind.fold(event, into: &$0) }
                folded += 1
            } catch {
                failure = (event.offset, "the fold failed at offset \(event.offset): \(error)")
                break
            }
        }
        self.changes = model.changes
        self.folded = folded
        self.failure = failure
    }

    /// The entries folding `events` reads.
    static func keysRead(by events: some Collection<Event>, with kind: any ProjectionKind) -> Set<ProjectionKey> {
        var keys: Set<ProjectionKey> = []
        for event in events {
            keys.formUnion(kind.keysRead(by: event))
        }
        return keys
    }
}
