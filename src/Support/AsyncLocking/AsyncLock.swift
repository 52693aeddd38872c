import Synchronization

/// A lock held across suspension points, waited for in arrival order: the topic service's control-plane changes
/// take turns with it, a projection's batch writes and its swap to a rebuilt generation, and a blob topic's writer
/// and its tail poller.
public final class AsyncLock: Sendable {
    private struct State {
        var locked = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Runs `body` holding the lock.
    public func withLock<Value>(_ body: () async throws -> Value) async rethrows -> Value {
        await self.acquire()
        defer { self.release() }
        return try await body()
    }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let acquired = self.state.withLock { state -> Bool in
                guard state.locked else {
                    state.locked = true
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if acquired { continuation.resume() }
        }
    }

    private func release() {
        let next = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiters.isEmpty else {
                state.locked = false
                return nil
            }
            return state.waiters.removeFirst()  // the lock passes to it, still held
        }
        next?.resume()
    }
}
