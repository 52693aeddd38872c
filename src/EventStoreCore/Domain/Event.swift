#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// An immutable event as recorded in a topic's log. Its topic is the log it was read from.
public struct Event: Sendable, Hashable {
    public var id: UUID
    /// Position in the topic: from 0, gap-free, in commit order.
    public var offset: Int64
    public var type: String
    public var key: String?
    public var tags: [String]
    public var data: RawJSON
    public var metadata: [String: String]
    /// When the store accepted the event.
    public var timestamp: Date

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
