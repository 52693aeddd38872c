/// Where a subscription's delivery stands.
public enum SubscriptionState: Sendable, Hashable, CustomStringConvertible {
    /// Delivering, or waiting for new events.
    case active
    /// The last callback failed; it is retried after a backoff.
    case retrying
    /// Its retry budget was spent (or its topic went away); it delivers nothing more and is removed later.
    case failed
    /// The receiver answered 410 Gone; it delivers nothing more and is removed later.
    case ended

    /// Whether delivery has stopped for good.
    public var isFinal: Bool { self == .failed || self == .ended }

    public var description: String {
        switch self {
        case .active: "active"
        case .retrying: "retrying"
        case .failed: "failed"
        case .ended: "ended"
        }
    }
}
