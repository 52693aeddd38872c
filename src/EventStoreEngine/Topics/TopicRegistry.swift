public import EventStoreCore
import Synchronization

/// The attached topics by name: a short-locked map that the data plane reads on every request.
public final class TopicRegistry: Sendable {
    private let topics = Mutex<[TopicName: AttachedTopic]>([:])

    public init() {}

    /// The attached topic of that name, whatever its state.
    public func attached(_ name: TopicName) -> AttachedTopic? {
        self.topics.withLock { $0[name] }
    }

    /// The topic of that name, if it is attached and its storage is usable.
    /// - Throws: `EventStoreError.topicNotFound`, or `.storageUnavailable` for a failed topic.
    public func readyTopic(_ name: TopicName) throws(EventStoreError) -> AttachedTopic {
        guard let topic = self.attached(name) else {
            throw EventStoreError(.topicNotFound, "topic '\(name)' does not exist")
        }
        if case .failed(let reason) = topic.state {
            throw EventStoreError(.storageUnavailable, "topic '\(name)' is unavailable: \(reason)")
        }
        return topic
    }

    /// Every attached topic, by name.
    public func all() -> [AttachedTopic] {
        self.topics.withLock { $0.values.sorted { $0.name < $1.name } }
    }

    /// Replaces a topic whose storage turned out to be damaged by its failed state, so every request and `/health`
    /// report it until it is reopened.
    func markFailed(_ name: TopicName, reason: String) {
        self.topics.withLock { topics in
            guard let topic = topics[name], topic.state.isReady else { return }
            topics[name] = AttachedTopic(
                configuration: topic.configuration,
                shown: topic.shownConfiguration,
                failure: reason,
                metrics: topic.metrics,
                headWatch: topic.headWatch
            )
        }
    }

    func put(_ topic: AttachedTopic) {
        self.topics.withLock { $0[topic.name] = topic }
    }

    @discardableResult
    func remove(_ name: TopicName) -> AttachedTopic? {
        self.topics.withLock { $0.removeValue(forKey: name) }
    }

    func removeAll() -> [AttachedTopic] {
        self.topics.withLock { topics in
            defer { topics.removeAll() }
            return Array(topics.values)
        }
    }
}
