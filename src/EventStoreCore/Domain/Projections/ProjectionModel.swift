/// The read model as one batch of events sees it while folding: the entries fetched for the batch, and the changes
/// the batch has made so far.
public struct ProjectionModel: Sendable {
    private let fetched: [ProjectionKey: RawJSON]
    /// Every entry the batch set (a value) or removed (nil).
    public private(set) var changes: [ProjectionKey: RawJSON?] = [:]

    /// - Parameter fetched: the stored values of the keys the batch reads (absent keys left out).
    public init(fetched: [ProjectionKey: RawJSON]) {
        self.fetched = fetched
    }

    /// The entry's value: as this batch left it, else as stored. Only keys the kind declared it reads
    /// (``ProjectionKind/keysRead(by:)``) or that this batch wrote are known; others read as absent.
    public func value(of key: ProjectionKey) -> RawJSON? {
        if let change = self.changes[key] { return change }
        return self.fetched[key]
    }

    public mutating func set(_ key: ProjectionKey, to value: RawJSON) {
        self.changes[key] = .some(value)
    }

    public mutating func remove(_ key: ProjectionKey) {
        self.changes[key] = .some(nil)
    }
}
