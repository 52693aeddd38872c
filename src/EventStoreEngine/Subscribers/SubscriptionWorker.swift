import EventStoreCore
import Logging
import Synchronization

/// Delivers one subscription: reads a batch from storage at its position, sends it until the receiver acknowledges
/// it, moves on; when caught up, waits for the topic's append notification.
///
/// Catch-up and live delivery are the same loop reading the same log, so the switch-over has no gap and no
/// duplicate. Memory is bounded by one batch: events are read from storage, never buffered per subscriber.
struct SubscriptionWorker: Sendable {
    let subscription: Subscription
    let follower: TopicFollower
    let sender: any CallbackSender
    let policy: DeliveryPolicy
    /// Called once the subscription stopped for good and its retention passed: removes it from the service.
    let retire: @Sendable () -> Void
    let logger: Logger

    /// How long a caught-up worker sleeps without an append notification before it looks again.
    static let idleCheck = Duration.seconds(30)

    func run() async {
        var generator = SystemRandomNumberGenerator()
        var storageFailures = 0
        var lingering = false
        while !Task.isCancelled {
            if lingering, self.policy.linger > .zero {
                try? await Task.sleep(for: self.policy.linger)
            }
            let position = self.subscription.progress.withLock { $0.position }
            let page: EventPage
            do {
                switch try await self.follower.next(from: position, waitingUpTo: Self.idleCheck, logger: self.logger) {
                case .gone:
                    await self.finish(.failed, reason: "topic '\(self.subscription.topic)' was deleted")
                    return
                case .caughtUp(let examined, let head):
                    self.subscription.metrics.recordLag(head - position)
                    if examined > position {
                        self.subscription.progress.withLock { $0.position = max($0.position, examined) }
                    }
                    lingering = true
                    continue
                case .events(let events):
                    page = events
                }
                storageFailures = 0
            } catch {
                // Storage trouble is not the receiver's fault: wait and read again, without spending the retry budget.
                storageFailures += 1
                let reason = (error as? EventStoreError)?.message ?? "reading the topic failed"
                self.subscription.progress.withLock { $0.lastError = reason }
                self.logger.warning("Subscription cannot read its topic", metadata: self.metadata(["error": "\(reason)"]))
                try? await Task.sleep(for: self.policy.backoff.delay(afterFailures: storageFailures, using: &generator))
                continue
            }
            self.subscription.metrics.recordLag(page.head - position)
            // A page that is not full means delivery has caught up: let the next one gather events for a linger.
            lingering = page.events.count < self.subscription.batchSize
            let callback = Callback(
                messageID: "msg_\(self.subscription.id)_\(page.events[0].offset)",
                subscriptionID: self.subscription.id,
                topic: self.subscription.topic,
                url: self.subscription.callbackURL,
                secret: self.subscription.secret,
                events: page.events,
                nextOffset: page.nextOffset,
                timeout: self.policy.timeout
            )
            guard await self.deliver(callback, using: &generator) else { return }
        }
    }

    /// Sends one batch until it is acknowledged, the receiver is gone, the retry budget is spent or the worker is
    /// cancelled.
    /// - Returns: whether delivery goes on.
    private func deliver(_ callback: Callback, using generator: inout SystemRandomNumberGenerator) async -> Bool {
        var failures = 0
        while !Task.isCancelled {
            let outcome = await self.sender.deliver(callback, logger: self.logger)
            if Task.isCancelled { return false }
            switch outcome {
            case .delivered:
                let lastOffset = callback.events[callback.events.count - 1].offset
                self.subscription.progress.withLock { progress in
                    progress.cursor = lastOffset
                    progress.position = callback.nextOffset
                    progress.delivered += Int64(callback.events.count)
                    progress.consecutiveFailures = 0
                    progress.lastError = nil
                    progress.state = .active
                }
                self.subscription.metrics.recordDelivered(events: callback.events.count)
                self.subscription.metrics.recordLag(self.follower.watch.head - callback.nextOffset)
                self.logger.trace(
                    "Callback delivered",
                    metadata: self.metadata(["events": "\(callback.events.count)", "next_offset": "\(callback.nextOffset)"])
                )
                return true
            case .gone:
                self.subscription.metrics.recordFailure()
                await self.finish(.ended, reason: "the receiver answered 410 Gone")
                return false
            case .failed(let reason, let retryAfter):
                failures += 1
                self.subscription.metrics.recordFailure()
                self.subscription.progress.withLock { progress in
                    progress.consecutiveFailures = failures
                    progress.lastError = reason
                    progress.state = .retrying
                }
                guard failures < self.policy.maxAttempts else {
                    await self.finish(.failed, reason: "gave up after \(failures) attempts; last: \(reason)")
                    return false
                }
                let delay = self.policy.backoff.delay(afterFailures: failures, retryAfter: retryAfter, using: &generator)
                self.logger.warning(
                    "Callback failed; retrying",
                    metadata: self.metadata([
                        "error": "\(reason)", "attempt": "\(failures)", "retry_in": "\(delay)", "message_id": "\(callback.messageID)",
                    ])
                )
                do {
                    try await Task.sleep(for: delay)
                } catch {
                    return false
                }
                self.subscription.metrics.recordRetry()
            }
        }
        return false
    }

    /// Stops delivery for good, keeps the subscription visible for the retention period, then retires it.
    private func finish(_ state: SubscriptionState, reason: String) async {
        self.subscription.progress.withLock { progress in
            progress.state = state
            progress.lastError = reason
        }
        self.logger.error("Subscription stopped", metadata: self.metadata(["state": "\(state)", "reason": "\(reason)"]))
        do {
            try await Task.sleep(for: self.policy.retention)
        } catch {
            return  // unsubscribed or shutting down: whoever cancelled removes it
        }
        self.retire()
    }

    private func metadata(_ extra: Logger.Metadata = [:]) -> Logger.Metadata {
        extra.merging(["topic": "\(self.subscription.topic)", "subscription": "\(self.subscription.id)"]) { $1 }
    }
}
