#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// What an append did: the offset of every submitted event, in submission order.
public struct AppendResult: Sendable, Hashable {
    /// One submitted event's outcome.
    public struct Entry: Sendable, Hashable {
        public var id: UUID
        public var offset: Int64
        /// True when an event with this id was already in the topic, so nothing was stored for it.
        public var duplicate: Bool

        public init(id: UUID, offset: Int64, duplicate: Bool) {
            self.id = id
            self.offset = offset
            self.duplicate = duplicate
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) {
        self.entries = entries
    }

    /// The lowest offset among the submitted events.
    public var firstOffset: Int64 { self.entries.lazy.map(\.offset).min() ?? 0 }
    /// The highest offset among the submitted events.
    public var lastOffset: Int64 { self.entries.lazy.map(\.offset).max() ?? 0 }
    /// True when at least one event was newly stored.
    public var storedAny: Bool { self.entries.contains { !$0.duplicate } }
}
