/// One generation of a read model held in memory: its entries and its checkpoint, with pages in key order. What the
/// memory store keeps, and what the blob store caches of the generations it reads back.
public struct ProjectionEntryTable: Sendable {
    /// The next offset this generation will apply.
    public private(set) var checkpoint: Int64 = 0
    public private(set) var entries: [ProjectionKey: RawJSON] = [:]
    /// The keys' UTF-8 bytes and the values' bytes.
    public private(set) var bytes = 0
    /// The keys in order, made when a page is read after the key set changed.
    private var sortedKeys: [ProjectionKey]?

    public init() {}

    /// Applies one batch's changes (nil removes) and moves the checkpoint to `checkpoint`: in place, so the cost follows
    /// the changes, not the model.
    public mutating func apply(_ changes: [ProjectionKey: RawJSON?], checkpoint: Int64) {
        for (key, value) in changes {
            if let value {
                if let previous = self.entries.updateValue(value, forKey: key) {
                    self.bytes += value.bytes.count - previous.bytes.count
                } else {
                    self.bytes += key.text.utf8.count + value.bytes.count
                    self.sortedKeys = nil
                }
            } else if let previous = self.entries.removeValue(forKey: key) {
                self.bytes -= key.text.utf8.count + previous.bytes.count
                self.sortedKeys = nil
            }
        }
        self.checkpoint = checkpoint
    }

    /// The values of `keys`; absent keys are left out.
    public func values(of keys: Set<ProjectionKey>) -> [ProjectionKey: RawJSON] {
        var values: [ProjectionKey: RawJSON] = [:]
        for key in keys {
            if let value = self.entries[key] { values[key] = value }
        }
        return values
    }

    /// A page in key order (UTF-8 bytes): keys after `after` that start with `prefix`, at most `limit`, ending before
    /// an entry that would take the values past `maxBytes` (at least one entry when one matches).
    /// - Returns: the entries, and whether the page ended at its byte budget.
    public mutating func page(after: ProjectionKey?, prefix: String, limit: Int, maxBytes: Int) -> (entries: [ProjectionEntry], endedAtBudget: Bool) {
        let keys = self.sortedKeys ?? self.entries.keys.sorted()
        self.sortedKeys = keys
        let start = ProjectionKey.pageStart(after: after, prefix: prefix)
        var index = Self.firstIndex(in: keys) { start.inclusive ? start.key <= $0 : start.key < $0 }
        var page: [ProjectionEntry] = []
        var bytes = 0
        while index < keys.count, page.count < limit, keys[index].hasPrefix(prefix) {
            let value = self.entries[keys[index]] ?? .null
            bytes += value.bytes.count
            if bytes > maxBytes, !page.isEmpty { return (page, true) }
            page.append(ProjectionEntry(key: keys[index], value: value))
            index += 1
        }
        return (page, false)
    }

    /// The first index of sorted `keys` at which `isPast` holds (it holds for every later index too).
    private static func firstIndex(in keys: [ProjectionKey], where isPast: (ProjectionKey) -> Bool) -> Int {
        var low = 0
        var high = keys.count
        while low < high {
            let middle = (low + high) / 2
            if isPast(keys[middle]) { high = middle } else { low = middle + 1 }
        }
        return low
    }
}
