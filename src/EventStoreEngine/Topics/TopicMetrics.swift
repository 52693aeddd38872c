public import EventStoreCore
import Metrics
import Synchronization

/// A topic's series: events appended and read, and its head.
public final class TopicMetrics: Sendable {
    private let appended: Counter
    private let read: Counter
    private let headGauge: Gauge
    private let highestHead = Atomic<Int64>(0)

    public init(topic: TopicName) {
        let dimensions = [("topic", topic.rawValue)]
        self.appended = Counter(label: "eventstore_events_appended_total", dimensions: dimensions)
        self.read = Counter(label: "eventstore_events_read_total", dimensions: dimensions)
        self.headGauge = Gauge(label: "eventstore_topic_head", dimensions: dimensions)
    }

    /// Records `count` newly stored events, the last at `lastOffset`.
    public func recordAppend(count: Int, lastOffset: Int64) {
        if count > 0 { self.appended.increment(by: count) }
        self.recordHead(lastOffset + 1)
    }

    /// Records the topic's head; concurrent appends finishing out of order never move the gauge backwards.
    public func recordHead(_ head: Int64) {
        let (oldValue, newValue) = self.highestHead.max(head, ordering: .relaxed)
        if newValue > oldValue { self.headGauge.record(newValue) }
    }

    /// Records `count` events served by a read.
    public func recordRead(count: Int) {
        if count > 0 { self.read.increment(by: count) }
    }
}
