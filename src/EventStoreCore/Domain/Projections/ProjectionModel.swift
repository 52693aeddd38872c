/// The read model as one batch of events sees it while folding: the entries fetched for the batch, and the changes
/// the batch has made so far.
public struct ProjectionModel: Sendable {
    private var fetched: [ProjectionKey: RawJSON]
    /// Every entry the batch set (a value) or removed (nil).
    public private(set) var changes: [ProjectionKey: RawJSON?]
    /// The size of ``changes``: each key's UTF-8 bytes and its value's bytes (a removal counts its key alone).
    public private(set) var changeBytes: Int
    /// What the event being folded changed: each key's change before it (nil: none), to undo a failed fold.
    private var undo: [(ProjectionKey, RawJSON??)] = []

    /// - Parameter fetched: the stored values of the keys the batch reads (absent keys left out).
    public init(fetched: [ProjectionKey: RawJSON]) {
        self.fetched = fetched
        self.changes = [:]
        self.changeBytes = 0
    }


    /// The entry's value: as this batch left it, else as stored. Only keys the kind declared it reads
    /// (``ProjectionKind/keysRead(by:)``) or that this batch wrote are known; others read as absent.
    public func value(of key: ProjectionKey) -> RawJSON? {
        if let change = self.changes[key] { return change }
        return self.fetched[key]
    }

    public mutating func set(_ key: ProjectionKey, to value: RawJSON) {
        self.record(key, was: self.changes.updateValue(.some(value), forKey: key), now: .some(value))
    }

    public mutating func remove(_ key: ProjectionKey) {
        self.record(key, was: self.changes.updateValue(RawJSON?.none, forKey: key), now: .some(RawJSON?.none))
    }

    /// Adds stored values fetched later (keys the batch has not changed).
    public mutating func addFetched(_ values: [ProjectionKey: RawJSON]) {
        self.fetched.merge(values) { $1 }
    }

    /// Drops the stored values fetched so far, keeping the changes (a rebuild fetches per page).
    public mutating func forgetFetched() {
        self.fetched.removeAll()
    }

    /// Folds one event with `body`: what it changed is kept when it returns, undone when it throws, so a failed fold
    /// leaves no part of its event in the model.
    public mutating func folding(_ body: (inout ProjectionModel) throws -> Void) throws {
        self.undo.removeAll(keepingCapacity: true)
        do {
            try body(&self)
        } catch {
            for (key, previous) in self.undo.reversed() {
                let current = previous.map { self.changes.updateValue($0, forKey: key) } ?? self.changes.removeValue(forKey: key)
                self.changeBytes += Self.size(of: key, previous) - Self.size(of: key, current)
            }
            self.undo.removeAll()
            throw error
        }
    }

    private mutating func record(_ key: ProjectionKey, was previous: RawJSON??, now current: RawJSON??) {
        self.undo.append((key, previous))
        self.changeBytes += Self.size(of: key, current) - Self.size(of: key, previous)
    }

    /// The bytes a change counts for; no change (nil) counts nothing.
    private static func size(of key: ProjectionKey, _ change: RawJSON??) -> Int {
        guard let change else { return 0 }
        return key.text.utf8.count + (change?.bytes.count ?? 0)
    }
}
