public import Logging

/// Publishing events (the data plane's write side).
public protocol EventCommands: Sendable {
    /// Validates and appends a batch atomically.
    /// - Returns: each event's offset; duplicates (by id) keep their original offsets.
    /// - Throws: `EventStoreError` with `.invalidArgument` or `.limitExceeded` for bad input (nothing written),
    ///   `.topicNotFound`, `.conditionFailed` (nothing written), `.storageUnavailable` (nothing written).
    func publish(_ events: [EventDraft], condition: AppendCondition?, to topic: TopicName, logger: Logger) async throws -> AppendResult
}
