/// Exponential backoff with jitter between failed callbacks, and the receiver's `Retry-After` honoured.
public struct Backoff: Sendable, Hashable {
    /// The delay after the first failure, before jitter.
    public var base: Duration
    /// The longest delay backoff chooses by itself.
    public var cap: Duration
    /// The longest `Retry-After` honoured; a receiver asking for more is retried after this long.
    public var maxRetryAfter: Duration

    public init(base: Duration = .milliseconds(500), cap: Duration = .seconds(60), maxRetryAfter: Duration = .seconds(3600)) {
        self.base = base
        self.cap = cap
        self.maxRetryAfter = maxRetryAfter
    }

    /// The wait before the next attempt after `failures` consecutive failed attempts (1 or more).
    ///
    /// Without `retryAfter`: `base * 2^(failures-1)`, capped at `cap`, then "equal jitter": half of it fixed and
    /// half random, so subscribers failing together do not retry in step. With `retryAfter`: exactly that long
    /// (at most `maxRetryAfter`).
    public func delay(afterFailures failures: Int, retryAfter: Duration? = nil, using generator: inout some RandomNumberGenerator) -> Duration {
        if let retryAfter {
            return min(max(retryAfter, .zero), self.maxRetryAfter)
        }
        let exponent = min(max(failures - 1, 0), 30)
        let exponential = self.base * (1 << exponent)
        let ceiling = min(exponential, self.cap)
        let half = ceiling / 2
        let jitterNanoseconds = Self.nanoseconds(half)
        let jitter = jitterNanoseconds > 0 ? Duration.nanoseconds(Int64.random(in: 0...jitterNanoseconds, using: &generator)) : .zero
        return half + jitter
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
