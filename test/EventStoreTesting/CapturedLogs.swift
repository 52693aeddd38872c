public import Logging
import Synchronization

/// Keeps every message logged through ``logger``, so a test can wait for the log line that proves a path ran
/// instead of sleeping and hoping it did.
public final class CapturedLogs: Sendable {
    private let messages = Mutex<[String]>([])

    public init() {}

    /// A logger at `trace` level whose messages this keeps.
    public var logger: Logger {
        var logger = Logger(label: "test", factory: { _ in Handler(logs: self) })
        logger.logLevel = .trace
        return logger
    }

    /// Whether any message so far contains `text`.
    public func contains(_ text: String) -> Bool {
        self.messages.withLock { $0.contains { $0.contains(text) } }
    }

    private struct Handler: LogHandler {
        let logs: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { self.metadata[key] }
            set { self.metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            self.logs.messages.withLock { $0.append("\(event.message)") }
        }
    }
}
