public import EventStoreCore
import Metrics

/// A topic's series: events appended and read, and its head.
public final class TopicMetrics: Sendable {
    private let appended: Counter
    private let read: Counter
    private let headGauge: Gauge

    public init(topic: TopicName) {
        let dimensions = [("topic", topic.rawValue)]
        self.appended = Counter(label: "eventstore_events_appended_total", dimensions: dimensions)
        self.read = Counter(label: "eventstore_events_read_total", dimensions: dimensions)
        self.headGauge = Gauge(label: "eventstore_topic_head", dimensions: dimensions)
    }

    /// Records `count` newly stored events.
    public func recordAppend(count: Int) {
        if count > 0 { self.appended.increment(by: count) }
    }

    /// Records the topic's head. Callers report only heads that moved forward (``HeadWatch/advance(to:)``).
    public func recordHead(_ head: Int64) {
        self.headGauge.record(head)
    }

    /// Records `count` events served by a read.
    public func recordRead(count: Int) {
        if count > 0 { self.read.increment(by: count) }
    }

    /// Removes the topic's series from the metrics backend: a detached topic leaves none behind.
    public func remove() {
        self.appended.destroy()
        self.read.destroy()
        self.headGauge.destroy()
    }
}
