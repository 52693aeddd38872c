import EventStoreCore
import Hummingbird

extension Parameters {
    /// The `{topic}` path parameter as a validated name.
    /// - Throws: `EventStoreError.invalidArgument` for a name that breaks the pattern.
    func topicName() throws -> TopicName {
        try TopicName(try self.require("topic"))
    }
}
