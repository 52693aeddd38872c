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
