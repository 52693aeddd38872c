/// Whether a topic's storage is usable.
public enum TopicState: Sendable, Hashable, CustomStringConvertible {
    /// Open and serving.
    case ready
    /// Its storage failed to open or broke; requests get 503 until it recovers. The reason holds no secret.
    case failed(reason: String)
    /// Open, but its storage does not answer right now (a database server that is down); requests get 503 until it
    /// answers again, which needs nothing from the operator. Only `/health` reports it: it is checked there.
    case unavailable(reason: String)

    public var isReady: Bool { self == .ready }

    /// Why the topic is not ready; nil when it is.
    public var reason: String? {
        switch self {
        case .ready: nil
        case .failed(let reason), .unavailable(let reason): reason
        }
    }

    public var description: String {
        switch self {
        case .ready: "ready"
        case .failed: "failed"
        case .unavailable: "unavailable"
        }
    }
}
