public import EventStoreCore

/// Who sent a request, as its bearer token says.
public struct Caller: Sendable, Hashable {
    /// The token's name: the owner of the subscriptions it makes.
    public var name: String
    public var role: Role
    /// The topics the token may use; nil for every topic.
    public var topics: [TopicPattern]?

    public init(name: String, role: Role, topics: [TopicPattern]? = nil) {
        self.name = name
        self.role = role
        self.topics = topics
    }

    /// Whether the token may use `topic` at all (others are answered as if they did not exist).
    public func mayUse(_ topic: TopicName) -> Bool {
        self.topics?.contains { $0.matches(topic) } ?? true
    }
}
