/// Bounds on projections.
public struct ProjectionLimits: Sendable, Hashable {
    /// The most projections one topic may have.
    public var maxPerTopic: Int

    public init(maxPerTopic: Int = 32) {
        self.maxPerTopic = maxPerTopic
    }
}
