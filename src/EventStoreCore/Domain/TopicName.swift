/// A topic's name, validated against `^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`.
///
/// The pattern keeps names safe to use as file names, table names and URL path segments.
public struct TopicName: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The longest name accepted, in characters.
    public static let maximumLength = 128

    public let rawValue: String

    /// Validates `rawValue`.
    /// - Throws: `EventStoreError.invalidArgument` when the name does not match the pattern.
    public init(_ rawValue: String) throws(EventStoreError) {
        guard Self.isValid(rawValue) else {
            throw EventStoreError(
                .invalidArgument,
                "invalid topic name: it must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$"
            )
        }
        self.rawValue = rawValue
    }

    /// Whether `name` matches the topic name pattern.
    public static func isValid(_ name: String) -> Bool {
        let utf8 = name.utf8
        guard let first = utf8.first, utf8.count <= maximumLength, Self.isAlphanumeric(first) else { return false }
        return utf8.dropFirst().allSatisfy {
            Self.isAlphanumeric($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-")
        }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    public var description: String { self.rawValue }

    public static func < (lhs: TopicName, rhs: TopicName) -> Bool { lhs.rawValue < rhs.rawValue }
}
