/// The key of a read-model entry (an event's key, for the by-key kinds).
///
/// Keys compare and sort by their UTF-8 bytes, as every projection store does (SQLite's BINARY collation,
/// PostgreSQL's `C` collation): two spellings of `é`, composed or with a combining accent, are two keys, the same in
/// every store.
public struct ProjectionKey: Sendable, Comparable, Hashable, CustomStringConvertible {
    public let text: String

    public init(_ text: String) {
        self.text = text
    }

    public static func == (lhs: ProjectionKey, rhs: ProjectionKey) -> Bool {
        let (left, right) = (lhs.text.utf8, rhs.text.utf8)
        guard left.count == right.count else { return false }
        let compared = left.withContiguousStorageIfAvailable { left in
            right.withContiguousStorageIfAvailable { right in left.elementsEqual(right) }
        }
        return (compared ?? nil) ?? left.elementsEqual(right)
    }

    public func hash(into hasher: inout Hasher) {
        // Equal bytes make equal strings, so the string's own hash agrees with this equality.
        hasher.combine(self.text)
    }

    public static func < (lhs: ProjectionKey, rhs: ProjectionKey) -> Bool {
        lhs.text.utf8.lexicographicallyPrecedes(rhs.text.utf8)
    }

    /// Whether the key starts with `prefix`, byte for byte.
    public func hasPrefix(_ prefix: String) -> Bool {
        self.text.utf8.starts(with: prefix.utf8)
    }

    public var description: String { self.text }

    /// Where a page of keys after `after` (exclusive) that start with `prefix` begins: at the later of the two, and
    /// whether that key itself belongs to the page. The rule every projection store pages by.
    public static func pageStart(after: ProjectionKey?, prefix: String) -> (key: ProjectionKey, inclusive: Bool) {
        let prefixKey = ProjectionKey(prefix)
        guard let after, prefixKey <= after else { return (prefixKey, true) }
        return (after, false)
    }
}

/// One entry of a read model.
public struct ProjectionEntry: Sendable, Hashable {
    public var key: ProjectionKey
    /// Compact JSON.
    public var value: RawJSON

    public init(key: ProjectionKey, value: RawJSON) {
        self.key = key
        self.value = value
    }
}
