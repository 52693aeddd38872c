import EventStoreCore
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One subscription: its fixed settings, its progress (updated by its worker, read by queries) and its worker task.
final class Subscription: Sendable {
    /// What changes as the worker delivers.
    struct Progress: Sendable {
        var state: SubscriptionState = .active
        var cursor: Int64?
        var position: Int64
        var delivered: Int64 = 0
        var consecutiveFailures = 0
        var lastError: String?
    }

    let id: SubscriptionID
    let topic: TopicName
    let callbackURL: CallbackURL
    let filter: EventFilter
    let batchSize: Int
    let from: Int64
    /// Who subscribed; nil when access control is off.
    let owner: String?
    let createdAt: Date
    let secret: SigningSecret
    let metrics: SubscriptionMetrics
    let progress: Mutex<Progress>
    private let worker = Mutex<Task<Void, Never>?>(nil)

    init(id: SubscriptionID, request: SubscriptionRequest, callbackURL: CallbackURL, batchSize: Int, createdAt: Date, secret: SigningSecret) {
        self.id = id
        self.topic = request.topic
        self.callbackURL = callbackURL
        self.filter = request.filter
        self.batchSize = batchSize
        self.from = request.from
        self.owner = request.owner
        self.createdAt = createdAt
        self.secret = secret
        self.metrics = SubscriptionMetrics(topic: request.topic, subscription: id)
        self.progress = Mutex(Progress(position: request.from))
    }

    /// Starts `body` as this subscription's worker, at utility priority: deliveries run on threads of their own (on
    /// Linux at nice 2), so publishes and reads never queue behind callback rendering, and subscribers still get a
    /// fair share of a busy CPU.
    func start(_ body: @escaping @Sendable () async -> Void) {
        self.worker.withLock { $0 = Task(priority: .utility) { await body() } }
    }

    /// Cancels the worker (abandoning an in-flight callback) and waits for it to end.
    func stop() async {
        let task = self.worker.withLock { $0 }
        task?.cancel()
        await task?.value
    }

    /// Cancels the worker without waiting for it.
    func cancel() {
        self.worker.withLock { $0?.cancel() }
    }

    /// The subscription as the API shows it; `head` is the topic's current head, when known.
    func info(head: Int64?) -> SubscriptionInfo {
        let progress = self.progress.withLock { $0 }
        return SubscriptionInfo(
            id: self.id,
            topic: self.topic,
            callbackURL: self.callbackURL,
            filter: self.filter,
            batchSize: self.batchSize,
            from: self.from,
            createdAt: self.createdAt,
            state: progress.state,
            cursor: progress.cursor,
            position: progress.position,
            lag: max(0, (head ?? progress.position) - progress.position),
            delivered: progress.delivered,
            consecutiveFailures: progress.consecutiveFailures,
            lastError: progress.lastError,
            owner: self.owner
        )
    }
}
