/// Whether a topic's storage is usable.
public enum TopicState: Sendable, Hashable, CustomStringConvertible {
    /// Open and serving.
    case ready
    /// Its storage failed to open or broke; requests get 503 until it recovers. The reason holds no secret.
    case failed(reason: String)

    public var isReady: Bool { self == .ready }

    public var description: String {
        switch self {
        case .ready: "ready"
        case .failed: "failed"
        }
    }
}
