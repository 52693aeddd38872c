/// The service's health as `GET /health` reports it.
public struct ServiceHealth: Sendable, Hashable {
    /// One topic's adapter and state.
    public struct TopicHealth: Sendable, Hashable {
        public var name: TopicName
        public var adapter: AdapterKind
        public var state: TopicState

        public init(name: TopicName, adapter: AdapterKind, state: TopicState) {
            self.name = name
            self.adapter = adapter
            self.state = state
        }
    }

    public var topics: [TopicHealth]

    public init(topics: [TopicHealth]) {
        self.topics = topics
    }

    /// True when every topic's storage is usable.
    public var isHealthy: Bool { self.topics.allSatisfy(\.state.isReady) }
}
