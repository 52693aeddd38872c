/// Bounds on reads.
public struct ReadLimits: Sendable, Hashable {
    /// The largest `limit` a read may ask for.
    public var maxPageSize: Int
    /// The `limit` used when a read names none.
    public var defaultPageSize: Int
    /// The longest a read may wait for new events.
    public var maxWait: Duration
    /// The most reads waiting for new events at once (long polls); one more is refused as `overloaded`.
    public var maxWaitingReads: Int
    /// A page (and so a callback batch, read the same way) ends early, with `nextOffset` to continue, once its
    /// events' payloads would pass this many bytes; it holds at least one event.
    public var maxPageBytes: Int

    public init(
        maxPageSize: Int = 10_000,
        defaultPageSize: Int = 100,
        maxWait: Duration = .seconds(30),
        maxWaitingReads: Int = 1024,
        maxPageBytes: Int = 8 << 20
    ) {
        self.maxPageSize = maxPageSize
        self.defaultPageSize = defaultPageSize
        self.maxWait = maxWait
        self.maxWaitingReads = maxWaitingReads
        self.maxPageBytes = maxPageBytes
    }
}
