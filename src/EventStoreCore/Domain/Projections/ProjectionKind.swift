/// A kind of projection: how events fold into a read model of entries (key → JSON).
///
/// One type per kind; the engine's `ProjectionKinds` registers them by ``name``. A fold sees events in offset order,
/// a batch at a time; the store applies each batch's changes together with the new checkpoint.
public protocol ProjectionKind: Sendable {
    /// The `kind` name definitions use.
    static var name: String { get }

    /// Builds the fold of one projection of `topic`.
    /// - Throws: `EventStoreError.invalidArgument` naming a field the kind does not accept.
    init(definition: ProjectionDefinition, topic: TopicName) throws(EventStoreError)

    /// The events the fold needs. The others are not read into it, but its checkpoint passes them.
    var filter: EventFilter { get }

    /// The entries folding `event` reads: a batch fetches them all in one call before folding.
    func keysRead(by event: Event) -> [ProjectionKey]

    /// The partition of an event: folding it reads and writes only entries that no event of another partition
    /// reads or writes, so a rebuild may fold the partitions on several cores at once. Nil (the default) keeps every
    /// event in one partition.
    func partition(of event: Event) -> ProjectionKey?

    /// Folds one event into the model.
    /// - Throws: anything: the projection is marked failed at this event's offset, with the error as the reason.
    func fold(_ event: Event, into model: inout ProjectionModel) throws

    /// Folds a run of events (in offset order) at once, leaving the model as folding them one at a time would, for a
    /// kind that can do that more cheaply (where only the last event of a key counts, say).
    /// - Returns: false when the kind folds one event at a time (the default), having changed nothing.
    /// - Throws: anything: the run's changes are undone and it is folded one event at a time, to find the event
    ///   that fails.
    func foldAtOnce(_ events: some Collection<Event>, into model: inout ProjectionModel) throws -> Bool

    /// Whether queries read the model whole, as one document (``wholeState(of:)``: kinds with a small model such as
    /// `stats`), rather than a page of entries at a time.
    var isReadWhole: Bool { get }

    /// The whole state as one document, made of every entry of the model.
    func wholeState(of entries: [ProjectionEntry]) throws -> RawJSON
}

extension ProjectionKind {
    /// One event at a time.
    public func foldAtOnce(_ events: some Collection<Event>, into model: inout ProjectionModel) throws -> Bool { false }

    /// One partition: events are folded one after the other.
    public func partition(of event: Event) -> ProjectionKey? { nil }

    /// Read a page of entries at a time.
    public var isReadWhole: Bool { false }

    /// Never asked of kinds read a page at a time.
    public func wholeState(of entries: [ProjectionEntry]) throws -> RawJSON { .null }
}
