/// What a token may do. Roles nest: each may do everything the one before it may.
public enum Role: String, Sendable, Comparable, CaseIterable, Codable {
    /// Read events (also waiting for them), subscribe, and see and end its own subscriptions.
    case reader
    /// A reader that may also publish.
    case writer
    /// Everything: create and detach topics, see and end anyone's subscriptions.
    case admin

    public static func < (lhs: Role, rhs: Role) -> Bool {
        Self.allCases.firstIndex(of: lhs)! < Self.allCases.firstIndex(of: rhs)!
    }
}
