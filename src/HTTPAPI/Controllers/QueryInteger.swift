import EventStoreCore

/// A non-negative integer request parameter (`from`, `limit`, `wait`, an offset); nil when absent.
/// - Throws: `EventStoreError.invalidArgument` naming the parameter.
func nonNegativeInteger(_ text: String?, name: String) throws(EventStoreError) -> Int64? {
    guard let text else { return nil }
    guard let value = Int64(text), value >= 0 else {
        throw EventStoreError(.invalidArgument, "\(name) must be a non-negative integer, got '\(text.prefix(32))'")
    }
    return value
}
