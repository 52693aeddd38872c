/// A projection's name, validated against `^[a-z0-9][a-z0-9_-]{0,62}$`: safe as a file, table and path segment.
public struct ProjectionName: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The longest name accepted, in characters.
    public static let maximumLength = 63

    public let rawValue: String

    /// Validates `rawValue`.
    /// - Throws: `EventStoreError.invalidArgument` when the name does not match the pattern.
    public init(_ rawValue: String) throws(EventStoreError) {
        let utf8 = rawValue.utf8
        guard let first = utf8.first, utf8.count <= Self.maximumLength, Self.isLowerAlphanumeric(first),
            utf8.allSatisfy({ Self.isLowerAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") })
        else {
            throw EventStoreError(.invalidArgument, "invalid projection name: it must match ^[a-z0-9][a-z0-9_-]{0,62}$")
        }
        self.rawValue = rawValue
    }

    private static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    public var description: String { self.rawValue }

    public static func < (lhs: ProjectionName, rhs: ProjectionName) -> Bool { lhs.rawValue < rhs.rawValue }
}
