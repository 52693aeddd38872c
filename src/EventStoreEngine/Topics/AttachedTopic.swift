public import EventStoreCore
import Logging

/// A topic attached to the service: its configuration, its open log (absent when its storage failed) and metrics.
///
/// Immutable: a change of state replaces the value in the ``TopicRegistry``.
public final class AttachedTopic: Sendable {
    public let configuration: TopicConfiguration
    /// The configuration with its secrets masked (by its adapter), as responses show it.
    public let shownConfiguration: TopicConfiguration
    public let state: TopicState
    public let log: (any EventLog)?
    public let metrics: TopicMetrics
    /// Wakes readers waiting for new events; kept across state changes of the topic.
    public let headWatch: HeadWatch

    init(configuration: TopicConfiguration, shown: TopicConfiguration, log: any EventLog, metrics: TopicMetrics, headWatch: HeadWatch) {
        self.configuration = configuration
        self.shownConfiguration = shown
        self.state = .ready
        self.log = log
        self.metrics = metrics
        self.headWatch = headWatch
    }

    init(configuration: TopicConfiguration, shown: TopicConfiguration, failure reason: String, metrics: TopicMetrics, headWatch: HeadWatch) {
        self.configuration = configuration
        self.shownConfiguration = shown
        self.state = .failed(reason: reason)
        self.log = nil
        self.metrics = metrics
        self.headWatch = headWatch
    }

    public var name: TopicName { self.configuration.name }

    /// The same topic (log, metrics, head watch) under a configuration whose projections changed.
    func replacingConfiguration(_ configuration: TopicConfiguration, shown: TopicConfiguration) -> AttachedTopic {
        if let log = self.log {
            return AttachedTopic(configuration: configuration, shown: shown, log: log, metrics: self.metrics, headWatch: self.headWatch)
        }
        return AttachedTopic(
            configuration: configuration,
            shown: shown,
            failure: self.state.reason ?? "failed",
            metrics: self.metrics,
            headWatch: self.headWatch
        )
    }

    /// Runs `body` against the log. Errors that are not ``EventStoreError``s are storage failures: they are logged
    /// and reported as `storageUnavailable`, with no detail that could leak a secret.
    ///
    /// A `storageCorrupted` error marks the topic failed in `registry`: damaged data is reported, never skipped.
    func storageCall<Result: Sendable>(
        registry: TopicRegistry,
        logger: Logger,
        _ body: (any EventLog) async throws -> Result
    ) async throws -> Result {
        guard let log = self.log else {
            throw EventStoreError(.storageUnavailable, "the storage of topic '\(self.name)' is unavailable")
        }
        do {
            return try await body(log)
        } catch let error as EventStoreError {
            if error.code == .storageCorrupted {
                logger.critical("Topic storage is damaged", metadata: ["topic": "\(self.name)", "error": "\(error.message)"])
                registry.markFailed(self.name, reason: error.message)
            }
            throw error
        } catch let error as CancellationError where Task.isCancelled {
            throw error  // the caller gave up (its client went away, a shutdown): not a storage failure
        } catch {
            logger.error("Storage call failed", metadata: ["topic": "\(self.name)", "error": "\(String(reflecting: error))"])
            throw EventStoreError(.storageUnavailable, "the storage of topic '\(self.name)' failed; nothing was changed")
        }
    }

    /// Whether `currentState` asks the storage: the topic is ready on storage that can stop answering.
    var checksStorage: Bool { self.state.isReady && self.log?.checksAvailability == true }

    /// The topic's state now: a ready topic whose storage does not answer within `timeout` is unavailable.
    ///
    /// The check is not cancelled when time is up (a blocked storage call cannot be); the caller just stops waiting.
    func currentState(timeout: Duration, logger: Logger) async -> TopicState {
        guard self.checksStorage, let log = self.log else { return self.state }
        let (answers, answer) = AsyncStream.makeStream(of: TopicState.self)
        let name = self.name
        Task {
            do {
                try await log.checkAvailability(logger: logger)
                answer.yield(.ready)
            } catch let error as EventStoreError {
                answer.yield(.unavailable(reason: error.message))
            } catch {
                logger.error("Storage check failed", metadata: ["topic": "\(name)", "error": "\(String(reflecting: error))"])
                answer.yield(.unavailable(reason: "its storage does not answer"))
            }
        }
        let timer = Task {
            try await Task.sleep(for: timeout)
            answer.yield(.unavailable(reason: "its storage did not answer within \(timeout)"))
        }
        defer {
            timer.cancel()
            answer.finish()
        }
        var first = answers.makeAsyncIterator()
        return await first.next() ?? .unavailable(reason: "its storage check was cancelled")
    }

    /// The topic as the query side reports it.
    func info(logger: Logger) async -> TopicInfo {
        var head: Int64?
        if let log = self.log {
            head = try? await log.head(logger: logger)
        }
        return TopicInfo(configuration: self.shownConfiguration, state: self.state, head: head, eventCount: head)
    }
}
