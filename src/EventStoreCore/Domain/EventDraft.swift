#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// An event as a client submits it, before the store has given it an id and a timestamp.
public struct EventDraft: Sendable, Hashable {
    /// The client's id for idempotent retries; the store generates one when absent.
    public var id: UUID?
    public var type: String
    public var key: String?
    public var tags: [String]
    public var data: RawJSON
    public var metadata: [String: String]

    public init(
        id: UUID? = nil,
        type: String,
        key: String? = nil,
        tags: [String] = [],
        data: RawJSON = .null,
        metadata: [String: String] = [:]
    ) {
        self.id = id
        self.type = type
        self.key = key
        self.tags = tags
        self.data = data
        self.metadata = metadata
    }
}
