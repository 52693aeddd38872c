import Metrics
import Synchronization

/// Counts the reads waiting for new events, so their number stays under a limit; the gauge
/// `eventstore_long_polls_waiting` shows it.
final class WaitingReads: Sendable {
    private let count = Atomic(0)
    private let gauge = Gauge(label: "eventstore_long_polls_waiting")

    /// Counts one more waiting read, unless `limit` are waiting already.
    /// - Returns: whether the read may wait; if so, it calls ``leave()`` when it stops waiting.
    func enter(limit: Int) -> Bool {
        let now = self.count.add(1, ordering: .relaxed).newValue
        guard now <= limit else {
            self.count.subtract(1, ordering: .relaxed)
            return false
        }
        self.gauge.record(now)
        return true
    }

    func leave() {
        self.gauge.record(self.count.subtract(1, ordering: .relaxed).newValue)
    }
}
