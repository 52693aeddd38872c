/// How subscriptions deliver: batch sizes, timeouts, the retry budget and how long stopped subscriptions stay
/// visible.
public struct DeliveryPolicy: Sendable, Hashable {
    /// The batch size of a subscription that names none.
    public var defaultBatchSize: Int
    /// The largest batch size a subscription may ask for.
    public var maxBatchSize: Int
    /// How long one callback may take, connecting included.
    public var timeout: Duration
    /// How retries back off: the first waits about `backoff.base`, each next one twice as long, at most `backoff.cap`.
    public var backoff: Backoff
    /// How long a worker that is not behind waits before it reads again, so events arriving meanwhile share a
    /// callback. Zero delivers each event as soon as possible; a few tens of milliseconds cut the number of callbacks
    /// a busy topic causes (one per subscriber per linger at most, unless batches fill) at that much added latency.
    public var linger: Duration
    /// Attempts per batch (the first included) before the subscription is marked failed.
    public var maxAttempts: Int
    /// How long a failed or ended subscription stays visible before it is removed.
    public var retention: Duration
    /// The most subscriptions the service holds at once.
    public var maxSubscriptions: Int

    public init(
        defaultBatchSize: Int = 100,
        maxBatchSize: Int = 1000,
        timeout: Duration = .seconds(10),
        backoff: Backoff = Backoff(),
        linger: Duration = .zero,
        maxAttempts: Int = 10,
        retention: Duration = .seconds(900),
        maxSubscriptions: Int = 1000
    ) {
        self.defaultBatchSize = defaultBatchSize
        self.maxBatchSize = maxBatchSize
        self.timeout = timeout
        self.backoff = backoff
        self.linger = linger
        self.maxAttempts = maxAttempts
        self.retention = retention
        self.maxSubscriptions = maxSubscriptions
    }
}
