#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// An event ready to be appended: validated, with its id and timestamp fixed, waiting for an offset.
public struct NewEvent: Sendable, Hashable {
    public var id: UUID
    public var type: String
    public var key: String?
    public var tags: [String]
    public var data: RawJSON
    public var metadata: [String: String]
    public var timestamp: Date
    /// Whether the service generated the id (the client sent none): no stored event can have it, so an adapter may
    /// skip the idempotency look-up for it.
    public var idWasGenerated: Bool

    public init(
        id: UUID,
        type: String,
        key: String? = nil,
        tags: [String] = [],
        data: RawJSON = .null,
        metadata: [String: String] = [:],
        timestamp: Date,
        idWasGenerated: Bool = false
    ) {
        self.id = id
        self.type = type
        self.key = key
        self.tags = tags
        self.data = data
        self.metadata = metadata
        self.timestamp = timestamp
        self.idWasGenerated = idWasGenerated
    }

    /// This event recorded at `offset`, its timestamp to the microsecond it is stored with.
    public func recorded(at offset: Int64) -> Event {
        Event(
            id: self.id,
            offset: offset,
            type: self.type,
            key: self.key,
            tags: self.tags,
            data: self.data,
            metadata: self.metadata,
            timestamp: self.timestamp.roundedToMicroseconds
        )
    }
}
