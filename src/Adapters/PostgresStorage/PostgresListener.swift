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
    /// Whether the thread was started and has ended, and who waits for it to end.
    private let thread = Mutex<(started: Bool, ended: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, false, []))

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
                defer { thread.waiters = [] }
                return thread.waiters
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

    /// Ends the listening thread and waits until it has.
    func finish() async {
        self.stop()
        await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
            let running = self.thread.withLock { thread in
                guard thread.started, !thread.ended else { return false }
                thread.waiters.append(waiter)
                return true
            }
            if !running { waiter.resume() }
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
