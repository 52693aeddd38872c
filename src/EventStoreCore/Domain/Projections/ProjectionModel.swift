/// The read model as one batch of events sees it while folding: the entries fetched for the batch, and the changes
/// the batch has made so far.
public struct ProjectionModel: Sendable {
    private var fetched: [ProjectionKey: RawJSON]
    /// Every entry the batch set (a value) or removed (nil).
    public private(set) var changes: [ProjectionKey: RawJSON?] = [:]
    /// What the event being folded changed: each key's change before it (nil: none), to undo a failed fold.
    private var undo: [(ProjectionKey, RawJSON??)] = []

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
        self.record(key)
        self.changes[key] = .some(value)
    }

    public mutating func remove(_ key: ProjectionKey) {
        self.record(key)
        self.changes[key] = .some(nil)
    }

    /// Adds stored values fetched later (keys the batch has not changed).
    public mutating func addFetched(_ values: [ProjectionKey: RawJSON]) {
        self.fetched.merge(values) { $1 }
    }

    /// Folds one event with `body`: what it changed is kept when it returns, undone when it throws, so a failed fold
    /// leaves no part of its event in the model.
    public mutating func folding(_ body: (inout ProjectionModel) throws -> Void) throws {
        self.undo.removeAll(keepingCapacity: true)
        do {
            try body(&self)
        } catch {
            for (key, previous) in self.undo.reversed() {
                if let previous { self.changes[key] = previous } else { self.changes.removeValue(forKey: key) }
            }
            self.undo.removeAll()
            throw error
        }
    }

    private mutating func record(_ key: ProjectionKey) {
        self.undo.append((key, self.changes[key]))
    }
}
