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
    private final class Fields: Sendable {
        let id: UUID
        let offset: Int64
        let type: String
        let key: String?
        let tags: [String]
        let data: RawJSON
        let metadata: [String: String]
        let timestamp: Date

        init(
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

    private let fields: Fields

    public var id: UUID { self.fields.id }
    /// Position in the topic: from 0, gap-free, in commit order.
    public var offset: Int64 { self.fields.offset }
    public var type: String { self.fields.type }
    public var key: String? { self.fields.key }
    public var tags: [String] { self.fields.tags }
    public var data: RawJSON { self.fields.data }
    public var metadata: [String: String] { self.fields.metadata }
    /// When the store accepted the event.
    public var timestamp: Date { self.fields.timestamp }

    public init(
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
