public import EventStoreCore
public import Logging
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The lease on rebuilding one projection, held and renewed while a rebuild runs: the server's online rebuild and
/// `eventstore-replay` take it alike, so two rebuilders of one projection never run at once. A rebuilder that dies
/// leaves it to expire after ``duration``.
public final class RebuildLease: Sendable {
    /// How long a lease lasts unless renewed.
    public static let duration = Duration.seconds(15)
    /// How often a running rebuild renews it.
    public static let renewal = Duration.seconds(3)

    private let store: any ProjectionStore
    private let projection: ProjectionName
    private let holder: String
    private let logger: Logger
    private let renewed = Mutex<ContinuousClock.Instant?>(nil)

    public init(store: any ProjectionStore, projection: ProjectionName, holder: String, logger: Logger) {
        self.store = store
        self.projection = projection
        self.holder = holder
        self.logger = logger
    }

    /// Takes the lease.
    /// - Throws: `projectionConflict` naming the holder when another rebuilder has it.
    public func acquire() async throws {
        try await self.renew()
    }

    /// Renews the lease now.
    /// - Throws: `projectionConflict` when another rebuilder took it meanwhile (this one's had expired).
    public func renew() async throws {
        if let other = try await self.store.acquireLease(self.projection, holder: self.holder, now: Date(), duration: Self.duration, logger: self.logger) {
            throw EventStoreError(
                .projectionConflict,
                "projection '\(self.projection)' is being rebuilt by \(other); its lease lasts up to \(Self.duration.components.seconds) s after it stops"
            )
        }
        self.renewed.withLock { $0 = .now }
    }

    /// Renews the lease when ``renewal`` has passed since it was last renewed.
    public func renewIfDue() async throws {
        let due = self.renewed.withLock { last in last.map { ContinuousClock.now - $0 >= Self.renewal } ?? true }
        if due { try await self.renew() }
    }

    /// Gives the lease up.
    public func release() async throws {
        try await self.store.releaseLease(self.projection, holder: self.holder, logger: self.logger)
    }
}
