#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A subscription's settings and progress, as the API shows them.
public struct SubscriptionInfo: Sendable, Hashable {
    public var id: SubscriptionID
    public var topic: TopicName
    public var callbackURL: CallbackURL
    public var filter: EventFilter
    public var batchSize: Int
    /// The offset delivery started from.
    public var from: Int64
    public var createdAt: Date
    public var state: SubscriptionState
    /// The last offset the receiver acknowledged (answered 2xx for); nil before the first acknowledgement.
    public var cursor: Int64?
    /// The next offset delivery examines: every event before it was acknowledged or not selected by the filter.
    /// A client that subscribes again from here misses nothing.
    public var position: Int64
    /// Events appended to the topic at or after `position`: how far delivery is behind.
    public var lag: Int64
    /// Events acknowledged so far.
    public var delivered: Int64
    /// Failed attempts since the last acknowledged callback.
    public var consecutiveFailures: Int
    /// Why the last attempt failed (or why delivery stopped); nil when the last attempt succeeded.
    public var lastError: String?
    /// Who subscribed (an access token's name); nil when access control is off.
    public var owner: String?

    public init(
        id: SubscriptionID,
        topic: TopicName,
        callbackURL: CallbackURL,
        filter: EventFilter,
        batchSize: Int,
        from: Int64,
        createdAt: Date,
        state: SubscriptionState,
        cursor: Int64?,
        position: Int64,
        lag: Int64,
        delivered: Int64,
        consecutiveFailures: Int,
        lastError: String?,
        owner: String? = nil
    ) {
        self.id = id
        self.topic = topic
        self.callbackURL = callbackURL
        self.filter = filter
        self.batchSize = batchSize
        self.from = from
        self.createdAt = createdAt
        self.state = state
        self.cursor = cursor
        self.position = position
        self.lag = lag
        self.delivered = delivered
        self.consecutiveFailures = consecutiveFailures
        self.lastError = lastError
        self.owner = owner
    }
}
