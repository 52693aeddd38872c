import EventStoreCore

/// Folds a run of events into a model, in order, up to the first whose fold fails (its changes undone): at once when
/// the kind can (``ProjectionKind/foldAtOnce(_:into:)``), else, or when that fails, one event at a time. The live
/// worker and the rebuilds fold through it alike.
struct FoldedEvents {
    /// How many events were folded.
    var folded: Int
    /// The first event whose fold failed, and why; the model holds the changes of the events before it.
    var failure: (offset: Int64, reason: String)?

    init(_ events: some Collection<Event>, with kind: any ProjectionKind, into model: inout ProjectionModel) {
        var atOnce = false
        // A failure is undone here and found again below, event by event; so are the changes of a kind that folded
        // anyway and answered false.
        try? model.folding { model in
            atOnce = try kind.foldAtOnce(events, into: &model)
            if !atOnce { throw OneAtATime() }
        }
        if atOnce {
            self.folded = events.count
            self.failure = nil
            return
        }
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
        self.folded = folded
        self.failure = failure
    }

    /// Undoes what a kind's `foldAtOnce` changed although it answered false.
    private struct OneAtATime: Error {}

    /// The entries folding `events` reads.
    static func keysRead(by events: some Collection<Event>, with kind: any ProjectionKind) -> Set<ProjectionKey> {
        var keys: Set<ProjectionKey> = []
        for event in events {
            keys.formUnion(kind.keysRead(by: event))
        }
        return keys
    }
}
