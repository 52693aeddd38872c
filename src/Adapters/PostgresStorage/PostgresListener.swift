import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Listens on one PostgreSQL notification channel and hands every payload over.
///
/// A dedicated thread blocks in `poll` on the listening connection's socket (no polling loop of queries). When the
/// connection drops it reconnects every second. Each time it starts listening (the first time too) it says so, since
/// notifications sent before then are lost: whoever relies on them looks again.
final class PostgresListener: Sendable {
    private let connectionString: String
    private let channel: String
    private let logger: Logger
    private let stopped = Atomic<Bool>(false)
    /// Whether the thread was started and has ended, who waits for it to end, and waits cancelled before they began.
    private struct ThreadState {
        var started = false
        var ended = false
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var cancelled: Set<Int> = []
        var nextWaiter = 0
    }

    private let thread = Mutex(ThreadState())

    /// - Parameters:
    ///   - connectionString: the server to listen on.
    ///   - channel: a channel name that needs no quoting.
    init(connectionString: String, channel: String, logger: Logger) {
        self.connectionString = connectionString
        self.channel = channel
        self.logger = logger
    }

    /// Starts the listening thread.
    /// - Parameters:
    ///   - onPayload: called on the listening thread for each notification.
    ///   - onResync: called on the listening thread each time listening starts, after connecting or reconnecting.
    func start(onPayload: @escaping @Sendable (String) -> Void, onResync: @escaping @Sendable () -> Void) {
        self.thread.withLock { $0.started = true }
        let thread = Thread { [self] in
            self.listen(onPayload: onPayload, onResync: onResync)
            let waiters = self.thread.withLock { thread in
                thread.ended = true
                defer { thread.waiters = [:] }
                return thread.waiters.values
            }
            for waiter in waiters { waiter.resume() }
        }
        thread.name = "eventstore-pg-listen"
        thread.start()
    }

    /// Asks the listening thread to end; it does within a second.
    func stop() {
        self.stopped.store(true, ordering: .relaxed)
    }

    /// Ends the listening thread and waits until it has (about a second), at most `limit`: a thread blocked in libpq
    /// (connecting to a server that does not answer) ends on its own later.
    func finish(within limit: Duration = .seconds(5)) async {
        self.stop()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.threadEnded() }
            group.addTask { try? await Task.sleep(for: limit) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Returns when the thread has ended, or when the waiting task is cancelled.
    private func threadEnded() async {
        let id = self.thread.withLock { thread in
            defer { thread.nextWaiter += 1 }
            return thread.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                let waits = self.thread.withLock { thread in
                    guard thread.started, !thread.ended, thread.cancelled.remove(id) == nil else { return false }
                    thread.waiters[id] = waiter
                    return true
                }
                if !waits { waiter.resume() }
            }
        } onCancel: {
            let waiter = self.thread.withLock { thread in
                guard let waiter = thread.waiters.removeValue(forKey: id) else {
                    thread.cancelled.insert(id)
                    return nil as CheckedContinuation<Void, Never>?
                }
                return waiter
            }
            waiter?.resume()
        }
    }

    private func listen(onPayload: (String) -> Void, onResync: () -> Void) {
        var connected = false
        while !self.stopped.load(ordering: .relaxed) {
            do {
                let connection = try PGConnection(connectionString: self.connectionString)
                try connection.query("LISTEN \(self.channel)")
                if connected {
                    self.logger.info("PostgreSQL notifications resumed", metadata: ["channel": "\(self.channel)"])
                }
                connected = true
                onResync()
                while !self.stopped.load(ordering: .relaxed) {
                    var descriptor = pollfd(fd: connection.socket, events: Int16(POLLIN), revents: 0)
                    guard poll(&descriptor, 1, 1000) > 0 else { continue }
                    for (_, payload) in try connection.notifications() { onPayload(payload) }
                }
            } catch {
                if connected {
                    self.logger.warning(
                        "PostgreSQL notifications interrupted; reconnecting",
                        metadata: ["channel": "\(self.channel)", "error": "\(error)"]
                    )
                }
                Thread.sleep(forTimeInterval: 1)
            }
        }
    }
}
