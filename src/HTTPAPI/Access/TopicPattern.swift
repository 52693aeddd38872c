public import EventStoreCore

/// A topic name, or a prefix glob (`orders-*`) naming every topic that starts with the prefix.
public struct TopicPattern: Sendable, Hashable, CustomStringConvertible {
    private let prefix: String
    private let isPrefix: Bool

    /// - Throws: `AccessConfigurationError` when the text is neither a topic name nor a name prefix followed by `*`.
    public init(_ text: String) throws {
        if text.hasSuffix("*") {
            let prefix = String(text.dropLast())
            guard prefix.isEmpty || (try? TopicName(prefix + "x")) != nil else {
                throw AccessConfigurationError("topic pattern '\(text.prefix(130))' is not a topic name or a name prefix followed by '*'")
            }
            self.prefix = prefix
            self.isPrefix = true
        } else {
            guard (try? TopicName(text)) != nil else {
                throw AccessConfigurationError("topic pattern '\(text.prefix(130))' is not a topic name or a name prefix followed by '*'")
            }
            self.prefix = text
            self.isPrefix = false
        }
    }

    public func matches(_ topic: TopicName) -> Bool {
        self.isPrefix ? topic.rawValue.hasPrefix(self.prefix) : topic.rawValue == self.prefix
    }

    public var description: String { self.isPrefix ? self.prefix + "*" : self.prefix }
}
