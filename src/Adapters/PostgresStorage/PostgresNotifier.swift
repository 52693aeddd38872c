import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Listens for other processes' appends on one PostgreSQL server (`LISTEN eventstore`) and tells the logs of this
/// process: the cross-process half of the engine's append notification.
///
/// A dedicated thread blocks in `poll` on the listening connection's socket (no polling loop of queries). When the
/// connection drops it reconnects every second, and after reconnecting tells every log to look at its head again,
/// since notifications sent meanwhile are lost.
final class PostgresNotifier: Sendable {
    /// The channel appends notify on; the payload is `schema<TAB>topic<TAB>head`.
    static let channel = "eventstore"

    struct Observer: Sendable {
        /// Called with a head another process committed.
        var onHead: @Sendable (Int64) -> Void
        /// Called after a reconnection, when notifications may have been missed.
        var onResync: @Sendable () -> Void
    }

    private let connectionString: String
    private let logger: Logger
    private let observers = Mutex<[String: [Int: Observer]]>([:])
    private let nextID = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)

    init(connectionString: String, logger: Logger) {
        self.connectionString = connectionString
        self.logger = logger
        let thread = Thread { [self] in self.listen() }
        thread.name = "eventstore-pg-listen"
        thread.start()
    }

    /// Registers an observer of a topic's heads.
    /// - Returns: a token for `remove`.
    func observe(schema: String, topic: String, _ observer: Observer) -> Int {
        let id = self.nextID.add(1, ordering: .relaxed).newValue
        self.observers.withLock { $0[Self.key(schema, topic), default: [:]][id] = observer }
        return id
    }

    func remove(schema: String, topic: String, token: Int) {
        self.observers.withLock { $0[Self.key(schema, topic)]?[token] = nil }
    }

    /// Ends the listening thread within a second.
    func stop() {
        self.stopped.store(true, ordering: .relaxed)
    }

    /// The payload announcing `head` for a topic.
    static func payload(schema: String, topic: String, head: Int64) -> String {
        "\(schema)\t\(topic)\t\(head)"
    }

    private static func key(_ schema: String, _ topic: String) -> String { schema + "\t" + topic }

    private func listen() {
        var connected = false
        while !self.stopped.load(ordering: .relaxed) {
            do {
                let connection = try PGConnection(connectionString: self.connectionString)
                try connection.query("LISTEN \(Self.channel)")
                if connected {
                    self.logger.info("PostgreSQL notifications resumed; re-reading heads")
                    for observer in self.observers.withLock({ $0.values.flatMap(\.values) }) { observer.onResync() }
                }
                connected = true
                while !self.stopped.load(ordering: .relaxed) {
                    var descriptor = pollfd(fd: connection.socket, events: Int16(POLLIN), revents: 0)
                    let ready = poll(&descriptor, 1, 1000)
                    guard ready > 0 else { continue }
                    for (_, payload) in try connection.notifications() { self.deliver(payload) }
                }
            } catch {
                if connected {
                    self.logger.warning("PostgreSQL notifications interrupted; reconnecting", metadata: ["error": "\(error)"])
                }
                Thread.sleep(forTimeInterval: 1)
            }
        }
    }

    private func deliver(_ payload: String) {
        let fields = payload.split(separator: "\t", omittingEmptySubsequences: false)
        guard fields.count >= 3, let head = Int64(fields[fields.count - 1]) else { return }
        let topic = String(fields[fields.count - 2])
        let schema = fields.dropLast(2).joined(separator: "\t")
        let observers = self.observers.withLock { $0[Self.key(schema, topic)].map { Array($0.values) } ?? [] }
        for observer in observers { observer.onHead(head) }
    }
}
