#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// An immutable event as recorded in a topic's log. Its topic is the log it was read from.
///
/// The fields live in one shared object, so copying an event (a page read from storage, a callback's batch) costs
/// one reference count instead of one per string, array and dictionary it holds.
public struct Event: Sendable, Hashable {
    @usableFromInline final class Fields: Sendable {
        @usableFromInline let id: UUID
        @usableFromInline let offset: Int64
        @usableFromInline let type: String
        @usableFromInline let key: String?
        @usableFromInline let tags: [String]
        @usableFromInline let data: RawJSON
        @usableFromInline let metadata: [String: String]
        @usableFromInline let timestamp: Date

        @usableFromInline init(
            id: UUID,
            offset: Int64,
            type: String,
            key: String?,
            tags: [String],
            data: RawJSON,
            metadata: [String: String],
            timestamp: Date
        ) {
            self.id = id
            self.offset = offset
            self.type = type
            self.key = key
            self.tags = tags
            self.data = data
            self.metadata = metadata
            self.timestamp = timestamp
        }
    }

    @usableFromInline let fields: Fields

    @inlinable public var id: UUID { self.fields.id }
    /// Position in the topic: from 0, gap-free, in commit order.
    @inlinable public var offset: Int64 { self.fields.offset }
    @inlinable public var type: String { self.fields.type }
    @inlinable public var key: String? { self.fields.key }
    @inlinable public var tags: [String] { self.fields.tags }
    @inlinable public var data: RawJSON { self.fields.data }
    @inlinable public var metadata: [String: String] { self.fields.metadata }
    /// When the store accepted the event.
    @inlinable public var timestamp: Date { self.fields.timestamp }

    @inlinable public init(
        id: UUID,
        offset: Int64,
        type: String,
        key: String? = nil,
        tags: [String] = [],
        data: RawJSON = .null,
        metadata: [String: String] = [:],
        timestamp: Date
    ) {
        self.fields = Fields(id: id, offset: offset, type: type, key: key, tags: tags, data: data, metadata: metadata, timestamp: timestamp)
    }

    public static func == (lhs: Event, rhs: Event) -> Bool {
        lhs.fields === rhs.fields
            || (lhs.id == rhs.id && lhs.offset == rhs.offset && lhs.type == rhs.type && lhs.key == rhs.key && lhs.tags == rhs.tags
                && lhs.data == rhs.data && lhs.metadata == rhs.metadata && lhs.timestamp == rhs.timestamp)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(self.id)
        hasher.combine(self.offset)
        hasher.combine(self.type)
        hasher.combine(self.key)
        hasher.combine(self.tags)
        hasher.combine(self.data)
        hasher.combine(self.metadata)
        hasher.combine(self.timestamp)
    }
}

extension Event: CustomReflectable {
    /// The fields themselves, so `print`, `dump` and test failures show them rather than the shared object.
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "id": self.id, "offset": self.offset, "type": self.type, "key": self.key as Any, "tags": self.tags, "data": self.data,
                "metadata": self.metadata, "timestamp": self.timestamp,
            ],
            displayStyle: .struct
        )
    }
}
