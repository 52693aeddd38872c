/// Bounds the HTTP layer enforces before the engine sees a request.
public struct HTTPLimits: Sendable, Hashable {
    /// The largest request body accepted, in bytes; larger bodies get 413.
    public var maxBodyBytes: Int

    public init(maxBodyBytes: Int = 1 << 20) {
        self.maxBodyBytes = maxBodyBytes
    }
}
