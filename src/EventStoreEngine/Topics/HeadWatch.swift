import Synchronization

/// Wakes readers waiting for a topic to grow: the engine's notification of new appends.
///
/// Waiters keep no events, only a threshold; a woken reader re-reads the log. Memory per waiter is constant.
public final class HeadWatch: Sendable {
    private struct Waiter {
        var threshold: Int64
        var continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var head: Int64
        /// Set when the topic is detached: every wait answers at once, so waiters re-read and find it gone.
        var closed = false
        var nextID = 0
        var waiters: [Int: Waiter] = [:]
        /// Ids handed out whose waiter has not registered yet.
        var unregistered: Set<Int> = []
        /// Ids cancelled before their waiter registered.
        var cancelled: Set<Int> = []
    }

    private let state: Mutex<State>

    public init(head: Int64) {
        self.state = Mutex(State(head: head))
    }

    /// The highest head recorded: the offset the next event will get.
    public var head: Int64 {
        self.state.withLock { $0.head }
    }

    /// How many waits are pending now.
    public var waiting: Int {
        self.state.withLock { $0.waiters.count }
    }

    /// Records that the topic's head reached `head` and wakes the waiters it satisfies. The head only moves
    /// forward, however out of order concurrent appends report.
    /// - Returns: whether the head moved.
    @discardableResult
    public func advance(to head: Int64) -> Bool {
        let woken = self.state.withLock { state -> [CheckedContinuation<Bool, Never>]? in
            guard head > state.head else { return nil }
            state.head = head
            let ready = state.waiters.filter { $0.value.threshold < head }
            for id in ready.keys { state.waiters.removeValue(forKey: id) }
            return ready.values.map(\.continuation)
        }
        guard let woken else { return false }
        for continuation in woken { continuation.resume(returning: true) }
        return true
    }

    /// Wakes every waiter and answers every later wait at once: the topic was detached, and waiters that look
    /// again find that out instead of waiting for an append that will never come.
    public func close() {
        let woken = self.state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            state.closed = true
            defer { state.waiters.removeAll() }
            return state.waiters.values.map(\.continuation)
        }
        for continuation in woken { continuation.resume(returning: true) }
    }

    /// Waits until the head passes `offset` (an event exists at `offset` or later), the deadline passes, or the task
    /// is cancelled.
    /// - Returns: true when the head passed `offset` or the watch was closed.
    public func wait(forHeadBeyond offset: Int64, until deadline: ContinuousClock.Instant) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.waitUntilBeyond(offset) }
            group.addTask {
                try? await Task.sleep(until: deadline, clock: .continuous)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    private func waitUntilBeyond(_ offset: Int64) async -> Bool {
        let id = self.state.withLock { state -> Int in
            state.nextID += 1
            state.unregistered.insert(state.nextID)
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let immediate = self.state.withLock { state -> Bool? in
                    state.unregistered.remove(id)
                    if state.cancelled.remove(id) != nil { return false }
                    if state.head > offset || state.closed { return true }
                    state.waiters[id] = Waiter(threshold: offset, continuation: continuation)
                    return nil
                }
                if let immediate { continuation.resume(returning: immediate) }
            }
        } onCancel: {
            let waiter = self.state.withLock { state -> Waiter? in
                if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
                if state.unregistered.remove(id) != nil { state.cancelled.insert(id) }  // cancelled before it registered
                return nil
            }
            waiter?.continuation.resume(returning: false)
        }
    }
}
