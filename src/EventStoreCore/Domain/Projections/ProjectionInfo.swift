/// A projection as the query side reports it.
public struct ProjectionInfo: Sendable, Hashable {
    /// Whether a projection's worker is folding events.
    public enum State: String, Sendable, Hashable {
        /// Folding events as they arrive.
        case running
        /// A rebuild into a new generation is under way; the old generation is served (and kept current) meanwhile.
        case rebuilding
        /// A fold failed: the projection stopped at ``ProjectionInfo/failedOffset`` (see ``ProjectionInfo/lastError``).
        case failed
    }

    /// How far a rebuild has come.
    public struct Rebuild: Sendable, Hashable {
        public var generation: Int64
        public var checkpoint: Int64

        public init(generation: Int64, checkpoint: Int64) {
            self.generation = generation
            self.checkpoint = checkpoint
        }
    }

    public var definition: ProjectionDefinition
    public var state: State
    /// The next offset the projection will apply: every event below it is applied (or skipped by its filter).
    public var checkpoint: Int64
    /// The topic's head minus the checkpoint.
    public var lag: Int64
    /// The served generation of the read model.
    public var generation: Int64
    public var lastError: String?
    /// The offset of the event a failed fold stopped at.
    public var failedOffset: Int64?
    public var rebuild: Rebuild?
    /// Why the last rebuild failed, until the next one starts.
    public var rebuildError: String?

    public init(
        definition: ProjectionDefinition,
        state: State,
        checkpoint: Int64,
        lag: Int64,
        generation: Int64,
        lastError: String? = nil,
        failedOffset: Int64? = nil,
        rebuild: Rebuild? = nil,
        rebuildError: String? = nil
    ) {
        self.definition = definition
        self.state = state
        self.checkpoint = checkpoint
        self.lag = lag
        self.generation = generation
        self.lastError = lastError
        self.failedOffset = failedOffset
        self.rebuild = rebuild
        self.rebuildError = rebuildError
    }
}

/// A projection's summary and what was asked of its read model, all at one checkpoint.
public struct ProjectionView: Sendable, Hashable {
    /// The summary; its `checkpoint` and `generation` are those of the data below.
    public var info: ProjectionInfo
    /// The whole state, for kinds read whole (`stats`).
    public var state: RawJSON?
    /// A page of entries, for kinds read a page at a time.
    public var entries: [ProjectionEntry]?
    /// Where the next page starts (`after`), when there may be more.
    public var nextAfter: ProjectionKey?

    public init(info: ProjectionInfo, state: RawJSON? = nil, entries: [ProjectionEntry]? = nil, nextAfter: ProjectionKey? = nil) {
        self.info = info
        self.state = state
        self.entries = entries
        self.nextAfter = nextAfter
    }
}

/// What a projection query asks for.
public struct ProjectionQuery: Sendable, Hashable {
    public var topic: TopicName
    public var name: ProjectionName
    /// Entries after this key (exclusive).
    public var after: ProjectionKey?
    /// Only entries whose key starts with this.
    public var prefix: String
    public var limit: Int
    /// Answer only once the checkpoint has reached this (a publish's `last_offset + 1`).
    public var minCheckpoint: Int64?
    /// How long to wait for `minCheckpoint`.
    public var wait: Duration?

    public init(
        topic: TopicName,
        name: ProjectionName,
        after: ProjectionKey? = nil,
        prefix: String = "",
        limit: Int = 100,
        minCheckpoint: Int64? = nil,
        wait: Duration? = nil
    ) {
        self.topic = topic
        self.name = name
        self.after = after
        self.prefix = prefix
        self.limit = limit
        self.minCheckpoint = minCheckpoint
        self.wait = wait
    }
}
