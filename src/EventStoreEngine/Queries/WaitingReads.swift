import Synchronization

/// Counts the reads waiting for new events, so their number stays under a limit.
final class WaitingReads: Sendable {
    private let count = Atomic(0)

    /// Counts one more waiting read, unless `limit` are waiting already.
    /// - Returns: whether the read may wait; if so, it calls ``leave()`` when it stops waiting.
    func enter(limit: Int) -> Bool {
        let now = self.count.add(1, ordering: .relaxed).newValue
        guard now <= limit else {
            self.count.subtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func leave() {
        self.count.subtract(1, ordering: .relaxed)
    }
}
