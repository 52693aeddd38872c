/// The service's health as `GET /health` reports it.
public struct ServiceHealth: Sendable, Hashable {
    /// One topic's adapter and state.
    public struct TopicHealth: Sendable, Hashable {
        public var name: TopicName
        public var adapter: AdapterKind
        public var state: TopicState
        /// Each projection's state. A failed projection does not make the service unhealthy: storage does.
        public var projections: [ProjectionHealth]

        public init(name: TopicName, adapter: AdapterKind, state: TopicState, projections: [ProjectionHealth] = []) {
            self.name = name
            self.adapter = adapter
            self.state = state
            self.projections = projections
        }
    }

    /// One projection's state.
    public struct ProjectionHealth: Sendable, Hashable {
        public var name: ProjectionName
        public var state: ProjectionInfo.State

        public init(name: ProjectionName, state: ProjectionInfo.State) {
            self.name = name
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
