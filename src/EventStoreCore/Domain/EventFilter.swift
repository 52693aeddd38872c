/// Selects events by type, key and tags. An empty filter selects every event.
///
/// An event matches when its type is one of `types` (if any are given), its key is one of `keys` (if any are
/// given), and it carries every tag in `tags`.
public struct EventFilter: Sendable, Hashable {
    public var types: [String]
    public var keys: [String]
    public var tags: [String]

    public init(types: [String] = [], keys: [String] = [], tags: [String] = []) {
        self.types = types
        self.keys = keys
        self.tags = tags
    }

    /// The filter that selects every event.
    public static let all = EventFilter()

    /// The most values one list (`types`, `keys`, `tags`) may hold: matching costs time per value and event.
    public static let maximumValues = 100

    /// Checks the size of each list.
    /// - Parameter name: how the filter is called in the message (`condition.fail_if_events_match`, `filter`).
    /// - Throws: `EventStoreError.limitExceeded` naming the list that is too long.
    public func validate(as name: String) throws(EventStoreError) {
        for (field, values) in [("types", self.types), ("keys", self.keys), ("tags", self.tags)] where values.count > Self.maximumValues {
            throw EventStoreError(.limitExceeded, "\(name).\(field) holds at most \(Self.maximumValues) values; got \(values.count)")
        }
    }

    public var isEmpty: Bool { self.types.isEmpty && self.keys.isEmpty && self.tags.isEmpty }

    /// Whether an event with these attributes is selected.
    @inlinable
    public func matches(type: String, key: String?, tags: [String]) -> Bool {
        if !self.types.isEmpty, !self.types.contains(type) { return false }
        if !self.keys.isEmpty {
            guard let key, self.keys.contains(key) else { return false }
        }
        return self.tags.allSatisfy { tags.contains($0) }
    }

    /// Whether `event` is selected.
    @inlinable
    public func matches(_ event: Event) -> Bool {
        self.matches(type: event.type, key: event.key, tags: event.tags)
    }
}
