public import EventStoreCore
import Metrics
import Synchronization

/// The appends waiting for a topic's writer (group commit), bounded, and the writer's turn.
///
/// An append waits in the queue; the first to find no writer running starts one (with the closure it was given, on
/// whatever thread the adapter writes from). The writer takes everything queued as one group (``nextGroup()``), stores it, answers
/// each append, and takes the next group, until the queue is empty: concurrent publishes share one write while each
/// keeps its own answer. When ``maxDepth`` appends wait already, one more is refused at once with `overloaded` (429
/// and `Retry-After`) instead of queueing without bound. The depth is the `eventstore_append_queue_depth` gauge.
public final class AppendQueue: Sendable {
    /// One append waiting for the writer.
    public struct Append: Sendable {
        /// The batch, in submission order.
        public let events: [NewEvent]
        /// The client's condition, if any.
        public let condition: AppendCondition?
        fileprivate let continuation: CheckedContinuation<AppendResult, any Error>

        /// Answers the publish that queued this append.
        public func answer(_ result: Result<AppendResult, any Error>) {
            self.continuation.resume(with: result)
        }
    }

    private struct State {
        var pending: [Append] = []
        var writing = false
        /// Why appends are refused: the log is closed, or failed beyond repair.
        var refusal: String?
        /// `close` calls waiting for the writer to finish.
        var drained: [CheckedContinuation<Void, Never>] = []
    }

    /// The most appends waiting at once.
    public let maxDepth: Int
    private let topic: String
    private let state = Mutex(State())
    private let depthGauge: Gauge

    /// The most appends waiting for one topic's writer, unless told.
    public static let defaultMaxDepth = 1024

    /// - Parameter maxDepth: the most appends waiting at once; one more is refused as `overloaded`.
    public init(topic: String, maxDepth: Int) {
        self.topic = topic
        self.maxDepth = max(1, maxDepth)
        self.depthGauge = Gauge(label: "eventstore_append_queue_depth", dimensions: [("topic", topic)])
    }

    /// Whether appends are taken (the queue is neither closed nor refusing).
    public var isAccepting: Bool {
        self.state.withLock { $0.refusal == nil }
    }

    /// How many appends wait for the writer now.
    public var depth: Int {
        self.state.withLock { $0.pending.count }
    }

    /// Queues an append and waits for the writer's answer.
    /// - Parameter startWriter: called when no writer runs: starts one that calls ``nextGroup()`` until it answers nil.
    /// - Throws: `overloaded` when ``maxDepth`` appends wait already; `storageUnavailable` once the log is closed or
    ///   failed; whatever the writer answers.
    public func append(
        _ events: [NewEvent],
        condition: AppendCondition?,
        startWriter: @Sendable () -> Void
    ) async throws -> AppendResult {
        try await withCheckedThrowingContinuation { continuation in
            let outcome = self.state.withLock { state -> Result<(start: Bool, depth: Int), EventStoreError> in
                if let refusal = state.refusal { return .failure(EventStoreError(.storageUnavailable, refusal)) }
                guard state.pending.count < self.maxDepth else {
                    return .failure(
                        EventStoreError(.overloaded, "\(self.maxDepth) appends to topic '\(self.topic)' are already waiting to be written; try again shortly")
                    )
                }
                state.pending.append(Append(events: events, condition: condition, continuation: continuation))
                defer { state.writing = true }
                return .success((!state.writing, state.pending.count))
            }
            switch outcome {
            case .failure(let error):
                continuation.resume(throwing: error)
            case .success(let queued):
                self.depthGauge.record(queued.depth)
                if queued.start { startWriter() }
            }
        }
    }

    /// For the writer: every append queued (in the order they came), or nil when none is, which ends the writer's turn
    /// (the next append starts a new writer).
    public func nextGroup() -> [Append]? {
        let (group, drained) = self.state.withLock { state -> ([Append], [CheckedContinuation<Void, Never>]) in
            defer { state.pending.removeAll() }
            guard state.pending.isEmpty else { return (state.pending, []) }
            state.writing = false
            defer { state.drained.removeAll() }
            return ([], state.drained)
        }
        self.depthGauge.record(0)
        for waiter in drained { waiter.resume() }
        return group.isEmpty ? nil : group
    }

    /// Refuses every later append with `storageUnavailable` and `reason` (a log that cannot undo a failed write);
    /// appends queued already are still given to the writer.
    public func refuse(_ reason: String) {
        self.state.withLock { state in
            if state.refusal == nil { state.refusal = reason }
        }
    }

    /// Refuses later appends and waits until the queued ones are written and answered.
    public func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = self.state.withLock { state -> Bool in
                if state.refusal == nil { state.refusal = "topic '\(self.topic)' is closed" }
                guard state.writing else { return true }
                state.drained.append(continuation)
                return false
            }
            if idle { continuation.resume() }
        }
    }
}
