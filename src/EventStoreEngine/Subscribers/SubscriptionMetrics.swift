import EventStoreCore
import Metrics

/// A subscription's series: callbacks by result, events delivered, retries and lag. Destroyed with the subscription,
/// so transient subscriptions leave no series behind.
final class SubscriptionMetrics: Sendable {
    private let delivered: Counter
    private let failed: Counter
    private let events: Counter
    private let retries: Counter
    private let lagGauge: Gauge

    init(topic: TopicName, subscription: SubscriptionID) {
        let dimensions = [("topic", topic.rawValue), ("subscription", subscription.description)]
        self.delivered = Counter(label: "eventstore_subscription_callbacks_total", dimensions: dimensions + [("result", "delivered")])
        self.failed = Counter(label: "eventstore_subscription_callbacks_total", dimensions: dimensions + [("result", "failed")])
        self.events = Counter(label: "eventstore_subscription_events_delivered_total", dimensions: dimensions)
        self.retries = Counter(label: "eventstore_subscription_retries_total", dimensions: dimensions)
        self.lagGauge = Gauge(label: "eventstore_subscription_lag_events", dimensions: dimensions)
    }

    func recordDelivered(events count: Int) {
        self.delivered.increment()
        self.events.increment(by: count)
    }

    func recordFailure() {
        self.failed.increment()
    }

    func recordRetry() {
        self.retries.increment()
    }

    func recordLag(_ lag: Int64) {
        self.lagGauge.record(max(0, lag))
    }

    func destroy() {
        self.delivered.destroy()
        self.failed.destroy()
        self.events.destroy()
        self.retries.destroy()
        self.lagGauge.destroy()
    }
}
