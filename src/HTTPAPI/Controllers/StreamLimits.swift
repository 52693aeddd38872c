/// Bounds of the event streams (`GET /topics/{topic}/events/stream`).
public struct StreamLimits: Sendable, Hashable {
    /// How long a stream may go without an event before it sends a comment to say it is alive.
    public var heartbeat: Duration
    /// The most bytes a stream holds for a client that reads too slowly; past it the client is disconnected.
    public var maxBufferedBytes: Int

    public init(heartbeat: Duration = .seconds(15), maxBufferedBytes: Int = 4 << 20) {
        self.heartbeat = heartbeat
        self.maxBufferedBytes = maxBufferedBytes
    }
}
