/// Bounds on reads.
public struct ReadLimits: Sendable, Hashable {
    /// The largest `limit` a read may ask for.
    public var maxPageSize: Int
    /// The `limit` used when a read names none.
    public var defaultPageSize: Int

    public init(maxPageSize: Int = 10_000, defaultPageSize: Int = 100) {
        self.maxPageSize = maxPageSize
        self.defaultPageSize = defaultPageSize
    }
}
