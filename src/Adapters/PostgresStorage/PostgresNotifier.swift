import Logging
import Synchronization

/// Tells the logs of this process about other processes' appends on one PostgreSQL server (`LISTEN eventstore`):
/// the cross-process half of the engine's append notification. After the listener reconnects, every log looks at
/// its head again, since notifications sent meanwhile are lost.
final class PostgresNotifier: Sendable {
    /// The channel appends notify on; the payload is `schema<TAB>topic<TAB>head`.
    static let channel = "eventstore"

    struct Observer: Sendable {
        /// Called with a head another process committed.
        var onHead: @Sendable (Int64) -> Void
        /// Called after a reconnection, when notifications may have been missed.
        var onResync: @Sendable () -> Void
    }

    private let observers = Mutex<[String: [Int: Observer]]>([:])
    private let nextID = Atomic<Int>(0)
    private let listener: PostgresListener

    init(connectionString: String, logger: Logger) {
        self.listener = PostgresListener(connectionString: connectionString, channel: Self.channel, logger: logger)
        self.listener.start(
            onPayload: { [weak self] payload in self?.deliver(payload) },
            onResync: { [weak self] in
                for observer in self?.observers.withLock({ $0.values.flatMap(\.values) }) ?? [] { observer.onResync() }
            }
        )
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

    /// Asks the listening thread to end; it does within a second.
    func stop() {
        self.listener.stop()
    }

    /// Ends the listening thread and waits until it has.
    func finish() async {
        await self.listener.finish()
    }

    /// The payload announcing `head` for a topic.
    static func payload(schema: String, topic: String, head: Int64) -> String {
        "\(schema)\t\(topic)\t\(head)"
    }

    private static func key(_ schema: String, _ topic: String) -> String { schema + "\t" + topic }

    private func deliver(_ payload: String) {
        let fields = payload.split(separator: "\t", omittingEmptySubsequences: false)
        guard fields.count >= 3, let head = Int64(fields[fields.count - 1]) else { return }
        let topic = String(fields[fields.count - 2])
        let schema = fields.dropLast(2).joined(separator: "\t")
        let observers = self.observers.withLock { $0[Self.key(schema, topic)].map { Array($0.values) } ?? [] }
        for observer in observers { observer.onHead(head) }
    }
}
