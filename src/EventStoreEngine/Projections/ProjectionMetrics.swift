import EventStoreCore
import Metrics

/// A projection's series: lag, events applied and batch duration. Destroyed with the projection.
final class ProjectionMetrics: Sendable {
    private let lagGauge: Gauge
    private let applied: Counter
    private let batchDuration: Timer

    init(topic: TopicName, projection: ProjectionName) {
        let dimensions = [("topic", topic.rawValue), ("projection", projection.rawValue)]
        self.lagGauge = Gauge(label: "eventstore_projection_lag_events", dimensions: dimensions)
        self.applied = Counter(label: "eventstore_projection_events_applied_total", dimensions: dimensions)
        self.batchDuration = Timer(label: "eventstore_projection_batch_duration_seconds", dimensions: dimensions, preferredDisplayUnit: .seconds)
    }

    func recordBatch(events: Int, duration: Duration) {
        self.applied.increment(by: events)
        self.batchDuration.recordNanoseconds(Int64(duration.inSeconds * 1e9))
    }

    func recordLag(_ lag: Int64) {
        self.lagGauge.record(max(0, lag))
    }

    func destroy() {
        self.lagGauge.destroy()
        self.applied.destroy()
        self.batchDuration.destroy()
    }
}
