#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Identifies a subscription; random, so ids cannot be guessed.
public struct SubscriptionID: Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UUID

    public init(_ rawValue: UUID = UUID()) {
        self.rawValue = rawValue
    }

    /// Parses an id as the API shows it; nil for text that cannot be an id.
    public init?(_ text: String) {
        guard let uuid = UUID(uuidString: text) else { return nil }
        self.rawValue = uuid
    }

    /// The lowercase UUID.
    public var description: String { self.rawValue.uuidString.lowercased() }
}
