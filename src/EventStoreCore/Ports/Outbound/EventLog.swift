public import Logging

/// Ordered, durable storage of one topic's events: the port every storage adapter implements.
///
/// Implementations serialise appends per topic, apply ``AppendPlanner`` inside that serialisation, and make each
/// append atomic: either every event of the plan is stored (and durable for the adapter) or none is.
public protocol EventLog: Sendable {
    /// Appends a batch atomically.
    /// - Parameters:
    ///   - events: validated events with distinct ids, in submission order.
    ///   - condition: checked against the stored events inside the append's serialisation.
    /// - Returns: the offset of every submitted event.
    /// - Throws: `EventStoreError.conditionFailed` (nothing written), `.storageUnavailable` (nothing written).
    func append(_ events: [NewEvent], condition: AppendCondition?, logger: Logger) async throws -> AppendResult

    /// Reads events in offset order.
    /// - Parameters:
    ///   - offset: the first offset to examine (inclusive).
    ///   - limit: the most events to return; at least 1.
    ///   - maxBytes: the page ends before an event that would take the events' `payloadSize`s past this, so a page
    ///     never holds more than about this much; it holds at least one event when one matches.
    ///   - filter: which events to return.
    /// - Returns: the matching events and where to continue. The log may examine fewer offsets than exist (to
    ///   bound a read's cost), so `nextOffset < head` with fewer than `limit` events is valid.
    func read(from offset: Int64, limit: Int, maxBytes: Int, filter: EventFilter, logger: Logger) async throws -> EventPage

    /// The offset the next appended event will get.
    func head(logger: Logger) async throws -> Int64

    /// Releases the log's resources once in-flight appends are done. The log is not used afterwards.
    func close(logger: Logger) async throws

    /// Whether the storage can stop answering while the log is open (a database server), so `GET /health` must ask
    /// it with ``checkAvailability(logger:)``.
    var checksAvailability: Bool { get }

    /// Checks that the storage answers now. Called by every `GET /health` when ``checksAvailability`` is true, so it
    /// must be cheap; it need not bound its own duration (the caller stops waiting after a while).
    /// - Throws: `EventStoreError.storageUnavailable` saying what does not answer (no secret in the message).
    func checkAvailability(logger: Logger) async throws

    /// Asks the log to report heads that other processes commit to the same storage, so this process's waiting
    /// readers and subscribers wake for them too. Logs that only this process writes need not do anything.
    func observeExternalAppends(_ onHead: @escaping @Sendable (Int64) -> Void)
}

extension EventLog {
    /// Reads without a byte budget.
    public func read(from offset: Int64, limit: Int, filter: EventFilter, logger: Logger) async throws -> EventPage {
        try await self.read(from: offset, limit: limit, maxBytes: .max, filter: filter, logger: logger)
    }

    /// Storage that is open stays available (local files, memory): nothing to check.
    public var checksAvailability: Bool { false }

    public func checkAvailability(logger: Logger) async throws {}

    /// Only this process writes the log: nothing to observe.
    public func observeExternalAppends(_ onHead: @escaping @Sendable (Int64) -> Void) {}
}
