import AsyncLocking
public import EventStoreCore
public import Logging
import Synchronization

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The read models of a blob topic's projections, kept in the topic's container beside its segments, so every
/// server process sharing the topic shares them:
///
/// - `<prefix>/projections/<name>/manifest.json`, a block blob changed only with `If-Match` on its ETag: the
///   definition's fingerprint, the generations and the blob of each one's log, the served generation, the lease.
/// - `<prefix>/projections/<name>/gen-<generation, 20 digits>-<random>.log`, an append blob per generation: its
///   batches, each one or more frames (``BlobProjectionFrame``) appended with `x-ms-blob-condition-appendpos` at
///   the length this store last read. A batch counts once its last frame is stored, so a batch and its checkpoint
///   are stored together or not at all; a writer that finds the log longer than it read (another process wrote)
///   reads the rest and is fenced unless the checkpoint is still its batch's start.
///
/// Writing a batch costs its changes. When a log has grown past ``Options/compactionBytes`` and twice its model, it
/// is compacted: sealed (writers elsewhere get `BlobIsSealed` and follow), the model written whole as the first batch
/// of a new log, the manifest pointed at it, the old log deleted. Each generation read is held in memory, caught up
/// from its log before it is served.
public final class BlobProjectionStore: ProjectionStore {
    /// Tunables; tests make frames and compaction small.
    public struct Options: Sendable {
        /// The longest frame: the Blob service's limit for one Append Block.
        public var frameBytes = BlobFrame.maxBytes
        /// The length a log may reach before it is compacted (if it is also twice its model).
        public var compactionBytes: Int64 = 64 << 20
        /// The blocks a log may hold before it is compacted (the Blob service takes 50,000).
        public var compactionBlocks = 40_000

        public init() {}
    }

    /// One projection's blobs as this store knows them. Every field is read and written holding `lock`.
    private final class Known: @unchecked Sendable {
        let projection: ProjectionName
        let lock = AsyncLock()
        var manifest = BlobProjectionManifest()
        /// nil: the manifest blob does not exist (or was never read, when `isRead` is false).
        var etag: String?
        var isRead = false
        var generations: [Int64: BlobProjectionGeneration] = [:]

        init(projection: ProjectionName) {
            self.projection = projection
        }

        func forget() {
            self.isRead = false
            self.etag = nil
            self.generations = [:]
        }
    }

    /// A manifest change to give up: the manifest no longer allows it.
    private struct ManifestMoved: Error {}

    private static let maxBlobBytes: Int64 = 195 << 30
    private static let readChunk: Int64 = 16 << 20
    private static let maxWriteAttempts = 16

    private let client: BlobContainerClient
    private let root: String
    private let options: Options
    private let known = Mutex<[ProjectionName: Known]>([:])

    /// - Parameter prefix: the topic's prefix; the projections' blobs are under `<prefix>/projections/`.
    init(client: BlobContainerClient, prefix: String, options: Options = .init()) {
        precondition(
            options.frameBytes <= BlobFrame.maxBytes && options.frameBytes >= BlobProjectionFrame.headerLength + 64,
            "a projection frame is at most one Append Block"
        )
        self.client = client
        self.root = prefix + "/projections"
        self.options = options
    }

    // MARK: ProjectionStore

    public func adopt(_ projection: ProjectionName, fingerprint: String, logger: Logger) async throws {
        try await self.with(projection) { known in
            let removed = try await self.updateManifest(known) { manifest in
                var removed: [String] = []
                if let stored = manifest.fingerprint, stored != fingerprint {
                    removed = manifest.removeGenerations { _ in false }
                }
                manifest.fingerprint = fingerprint
                return removed
            }
            await self.deleteLogs(removed, of: known, logger: logger)
        }
    }

    public func served(_ projection: ProjectionName, logger: Logger) async throws -> ProjectionGeneration? {
        try await self.with(projection) { known in
            try await self.readManifest(known)
            guard let served = known.manifest.served, let checkpoint = try await self.caughtUp(served, of: known) else { return nil }
            return ProjectionGeneration(generation: served, checkpoint: checkpoint)
        }
    }

    public func createGeneration(of projection: ProjectionName, logger: Logger) async throws -> ProjectionGeneration {
        try await self.with(projection) { known in
            if !known.isRead { try await self.readManifest(known) }
            while true {
                let number = known.manifest.lastGeneration + 1
                let log = self.logName(projection, generation: number)
                _ = try await self.client.createAppendBlob(log)
                do {
                    _ = try await self.updateManifest(known) { manifest in
                        // This write, stored although its answer was lost (the request was sent again).
                        guard manifest.log(of: number) != log else { return }
                        // Another process took the number meanwhile: take the next.
                        guard manifest.lastGeneration < number else { throw ManifestMoved() }
                        manifest.lastGeneration = number
                        manifest.generations.append(.init(number: number, log: log))
                        if manifest.served == nil { manifest.served = number }
                    }
                } catch is ManifestMoved {
                    await self.deleteLogs([log], of: known, logger: logger)
                    continue
                }
                known.generations[number] = BlobProjectionGeneration(log: log)
                return ProjectionGeneration(generation: number, checkpoint: 0)
            }
        }
    }

    public func apply(_ batch: ProjectionBatch, logger: Logger) async throws {
        try await self.with(batch.projection) { known in
            if known.generations[batch.generation]?.table.checkpoint != batch.from {
                try await self.catchUp(batch.generation, of: known, fenceAs: batch)
            }
            try self.checkFence(batch, known)
            let changes = BlobProjectionChanges.encode(batch.changes.lazy.map { ($0.key, $0.value) }, capacity: batch.changes.count * 64)
            let id = UInt64.random(in: 1...UInt64.max)
            let frames = BlobProjectionFrame.encode(
                changes, batch: id, from: batch.from, to: batch.to, replacesModel: false, maxBytes: self.options.frameBytes
            )
            var attempts = 0
            write: while true {
                attempts += 1
                guard attempts <= Self.maxWriteAttempts else {
                    throw EventStoreError(.storageUnavailable, "projection '\(batch.projection)': \(Self.maxWriteAttempts) attempts to write a batch lost races with other writers")
                }
                for frame in frames {
                    guard let log = known.generations[batch.generation]?.log, let length = known.generations[batch.generation]?.length else {
                        throw Self.fenced(batch)
                    }
                    do {
                        try await self.client.appendBlock(log, frame, at: length, maxSize: Self.maxBlobBytes)
                    } catch let error as BlobServiceError where error.status == 412 || error.status == 404 {
                        // Another process wrote (or dropped the generation), or libcurl sent this append again after
                        // a connection closed unanswered: read what is there.
                        try await self.catchUp(batch.generation, of: known, fenceAs: batch)
                        if known.generations[batch.generation]?.lastBatch == id { break write }
                        try self.checkFence(batch, known)
                        continue write
                    } catch let error as BlobServiceError where error.code == "BlobIsSealed" || error.code == "BlockCountExceedsLimit" {
                        try await self.compact(batch.generation, of: known, logger: logger)
                        try self.checkFence(batch, known)
                        continue write
                    } catch is BlobTransportError {
                        // Stored or not: the log tells.
                        try await self.catchUp(batch.generation, of: known, fenceAs: batch)
                        if known.generations[batch.generation]?.lastBatch == id { break write }
                        try self.checkFence(batch, known)
                        continue write
                    }
                    // Read back as any reader would: the batch applies with its last part.
                    _ = try known.generations[batch.generation]?.read(frame[...], written: batch.changes)
                }
                break
            }
            // The batch is stored: a compaction that fails now only leaves the log long (the next writer that meets a
            // sealed log compacts it), and what this store knew of the generation is read again next time.
            if let generation = known.generations[batch.generation], self.needsCompaction(generation) {
                do {
                    try await self.compact(batch.generation, of: known, logger: logger)
                } catch {
                    known.generations[batch.generation] = nil
                    logger.warning("Compacting a projection's log failed", metadata: ["projection": "\(batch.projection)", "error": "\(error)"])
                }
            }
        }
    }

    public func values(
        of keys: Set<ProjectionKey>,
        in projection: ProjectionName,
        generation: Int64,
        logger: Logger
    ) async throws -> [ProjectionKey: RawJSON] {
        try await self.with(projection) { known in
            if known.generations[generation] == nil {
                try await self.readManifest(known)
                guard known.manifest.log(of: generation) != nil else { return [:] }
                _ = try await self.caughtUp(generation, of: known)
            }
            return known.generations[generation]?.table.values(of: keys) ?? [:]
        }
    }

    public func entries(
        of projection: ProjectionName,
        after: ProjectionKey?,
        prefix: String,
        limit: Int,
        maxBytes: Int,
        logger: Logger
    ) async throws -> ProjectionEntriesPage {
        try await self.with(projection) { known in
            let served = try await self.servedGeneration(projection, of: known)
            guard var generation = known.generations.removeValue(forKey: served) else { throw EventStoreError(.projectionNotFound, "projection '\(projection)' has no read model yet") }
            let page = generation.table.page(after: after, prefix: prefix, limit: limit, maxBytes: maxBytes)
            known.generations[served] = generation
            return ProjectionEntriesPage(
                entries: page.entries,
                generation: ProjectionGeneration(generation: served, checkpoint: generation.table.checkpoint),
                endedAtBudget: page.endedAtBudget
            )
        }
    }

    public func entry(_ key: ProjectionKey, of projection: ProjectionName, logger: Logger) async throws -> ProjectionEntriesPage {
        try await self.with(projection) { known in
            let served = try await self.servedGeneration(projection, of: known)
            let table = known.generations[served]?.table ?? ProjectionEntryTable()
            return ProjectionEntriesPage(
                entries: table.entries[key].map { [ProjectionEntry(key: key, value: $0)] } ?? [],
                generation: ProjectionGeneration(generation: served, checkpoint: table.checkpoint)
            )
        }
    }

    public func swap(_ projection: ProjectionName, to generation: Int64, logger: Logger) async throws {
        try await self.with(projection) { known in
            let removed = try await self.updateManifest(known) { manifest in
                guard manifest.log(of: generation) != nil else {
                    throw EventStoreError(.generationFenced, "generation \(generation) of projection '\(projection)' does not exist")
                }
                let served = manifest.served
                let removed = manifest.removeGenerations { $0.number != served || $0.number == generation }
                manifest.served = generation
                return removed
            }
            await self.deleteLogs(removed, of: known, logger: logger)
        }
    }

    public func drop(_ projection: ProjectionName, generation: Int64?, logger: Logger) async throws {
        try await self.with(projection) { known in
            let removed = try await self.updateManifest(known) { manifest in
                guard let generation else {
                    manifest.fingerprint = nil
                    return manifest.removeGenerations { _ in false }
                }
                guard manifest.served != generation else { return [] }
                return manifest.removeGenerations { $0.number != generation }
            }
            await self.deleteLogs(removed, of: known, logger: logger)
            if generation == nil {
                // Logs of generations whose creator died before naming them in the manifest.
                await self.deleteLogs(try await self.unnamedLogs(of: known), of: known, logger: logger)
            }
        }
    }

    public func dropUnserved(_ projection: ProjectionName, logger: Logger) async throws {
        try await self.with(projection) { known in
            let removed = try await self.updateManifest(known) { manifest in
                let served = manifest.served
                return manifest.removeGenerations { $0.number == served }
            }
            await self.deleteLogs(removed, of: known, logger: logger)
        }
    }

    public func acquireLease(_ projection: ProjectionName, holder: String, now: Date, duration: Duration, logger: Logger) async throws -> String? {
        try await self.with(projection) { known in
            try await self.updateManifest(known) { manifest in
                if let lease = manifest.lease, lease.holder != holder, lease.expires > now.timeIntervalSince1970 { return lease.holder }
                manifest.lease = .init(holder: holder, expires: now.timeIntervalSince1970 + duration.inSeconds)
                return nil
            }
        }
    }

    public func releaseLease(_ projection: ProjectionName, holder: String, logger: Logger) async throws {
        try await self.with(projection) { known in
            try await self.updateManifest(known) { manifest in
                if manifest.lease?.holder == holder { manifest.lease = nil }
            }
        }
    }

    public func close(logger: Logger) async throws {}

    // MARK: Manifest

    private func manifestName(_ projection: ProjectionName) -> String {
        "\(self.root)/\(projection)/manifest.json"
    }

    private func logName(_ projection: ProjectionName, generation: Int64) -> String {
        let digits = String(generation)
        let random = String(UInt64.random(in: 0...UInt64.max), radix: 16)
        return "\(self.root)/\(projection)/gen-\(String(repeating: "0", count: max(0, 20 - digits.count)))\(digits)-\(random).log"
    }

    /// Reads the manifest; generations whose log it no longer names are forgotten.
    private func readManifest(_ known: Known) async throws {
        guard let (body, etag) = try await self.client.get(self.manifestName(known.projection)) else {
            known.manifest = BlobProjectionManifest()
            known.etag = nil
            known.isRead = true
            known.generations = [:]
            return
        }
        if known.isRead, etag == known.etag { return }
        do {
            known.manifest = try JSONDecoder().decode(BlobProjectionManifest.self, from: Data(body))
        } catch {
            throw EventStoreError(.storageCorrupted, "the manifest of projection '\(known.projection)' is not the JSON this store writes")
        }
        known.etag = etag
        known.isRead = true
        self.forgetUnnamedGenerations(known)
    }

    /// Changes the manifest with `change`, written only over the version it was applied to: when another process
    /// wrote meanwhile, its version is read and `change` applied again. A change that changes nothing writes nothing.
    /// - Returns: what `change` returned.
    private func updateManifest<Result>(_ known: Known, _ change: (inout BlobProjectionManifest) throws -> Result) async throws -> Result {
        if !known.isRead { try await self.readManifest(known) }
        for _ in 0..<Self.maxWriteAttempts {
            var next = known.manifest
            let result = try change(&next)
            guard next != known.manifest else { return result }
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            do {
                known.etag = try await self.client.putBlockBlob(
                    self.manifestName(known.projection),
                    Array(try encoder.encode(next)),
                    if: known.etag.map { .version($0) } ?? .absent
                )
                known.manifest = next
                self.forgetUnnamedGenerations(known)
                return result
            } catch let error as BlobServiceError where error.code == "ConditionNotMet" || error.code == "BlobAlreadyExists" {
                // Another process wrote it: read its version (whatever this store held), and apply the change again.
                known.isRead = false
                try await self.readManifest(known)
            }
        }
        throw EventStoreError(
            .storageUnavailable,
            "projection '\(known.projection)': \(Self.maxWriteAttempts) attempts to change its manifest lost races with other writers"
        )
    }

    private func forgetUnnamedGenerations(_ known: Known) {
        known.generations = known.generations.filter { known.manifest.log(of: $0.key) == $0.value.log }
    }

    // MARK: Logs

    /// Reads generation `number`'s log to its end.
    /// - Returns: its checkpoint, or nil when the manifest names no such generation.
    @discardableResult
    private func caughtUp(_ number: Int64, of known: Known) async throws -> Int64? {
        var manifestIsFresh = false
        if !known.isRead {
            try await self.readManifest(known)
            manifestIsFresh = true
        }
        while true {
            guard let log = known.manifest.log(of: number) else { return nil }
            var generation = known.generations.removeValue(forKey: number).flatMap { $0.log == log ? $0 : nil } ?? BlobProjectionGeneration(log: log)
            do {
                try await self.readRest(of: &generation)
                known.generations[number] = generation
                return generation.table.checkpoint
            } catch let error as BlobServiceError where error.status == 404 && !manifestIsFresh {
                // Compacted or dropped by another process: the manifest says which.
                try await self.readManifest(known)
                manifestIsFresh = true
            }
        }
    }

    /// ``caughtUp(_:of:)`` for a writer of `batch`, which is fenced when the generation is gone.
    private func catchUp(_ number: Int64, of known: Known, fenceAs batch: ProjectionBatch) async throws {
        guard try await self.caughtUp(number, of: known) != nil else { throw Self.fenced(batch) }
    }

    private func readRest(of generation: inout BlobProjectionGeneration) async throws {
        var carry: [UInt8] = []
        while true {
            let start = generation.length + Int64(carry.count)
            let bytes = try await self.client.read(generation.log, range: start..<start + Self.readChunk)
            carry.append(contentsOf: bytes)
            carry.removeFirst(try generation.read(carry[...]))
            if bytes.count < Self.readChunk { break }
        }
        guard carry.isEmpty else { throw BlobFrameError(position: generation.length, reason: "the log ends inside a frame") }
    }

    /// Whether the log has grown past ``Options/compactionBlocks``, or past ``Options/compactionBytes`` and twice what
    /// the model takes written whole (its entries' bytes with their lengths, and the frames' headers).
    private func needsCompaction(_ generation: BlobProjectionGeneration) -> Bool {
        let encoded = Int64(generation.table.bytes + 8 * generation.table.entries.count)
        let whole = encoded + (encoded / Int64(self.options.frameBytes - BlobProjectionFrame.headerLength) + 1) * Int64(BlobProjectionFrame.headerLength)
        return generation.blocks >= self.options.compactionBlocks || (generation.length > self.options.compactionBytes && generation.length > 2 * whole)
    }

    /// Replaces generation `number`'s log by one that holds its model whole: the old log is sealed first, so no writer
    /// adds to it unseen, and deleted once the manifest names the new one. When another process compacted it
    /// already, its new log is read instead.
    private func compact(_ number: Int64, of known: Known, logger: Logger) async throws {
        try await self.readManifest(known)
        guard let log = known.manifest.log(of: number) else { return }
        guard known.generations[number]?.log == log else {
            try await self.caughtUp(number, of: known)
            return
        }
        try await self.client.seal(log)
        try await self.caughtUp(number, of: known)
        // Compacted by another process meanwhile: its new log is read instead.
        guard known.generations[number]?.log == log, let generation = known.generations.removeValue(forKey: number) else {
            try await self.caughtUp(number, of: known)
            return
        }
        let fresh = self.logName(known.projection, generation: number)
        _ = try await self.client.createAppendBlob(fresh)
        let model = BlobProjectionChanges.encode(generation.table.entries.lazy.map { ($0.key, RawJSON?.some($0.value)) }, capacity: generation.table.bytes * 9 / 8)
        let frames = BlobProjectionFrame.encode(
            model, batch: UInt64.random(in: 1...UInt64.max), from: 0, to: generation.table.checkpoint, replacesModel: true, maxBytes: self.options.frameBytes
        )
        var length: Int64 = 0
        for frame in frames {
            try await self.client.appendBlock(fresh, frame, at: length, maxSize: Self.maxBlobBytes)
            length += Int64(frame.count)
        }
        do {
            try await self.updateManifest(known) { manifest in
                guard let index = manifest.generations.firstIndex(where: { $0.number == number }) else { throw ManifestMoved() }
                // This write, stored although its answer was lost (the request was sent again).
                guard manifest.generations[index].log != fresh else { return }
                guard manifest.generations[index].log == log else { throw ManifestMoved() }
                manifest.generations[index].log = fresh
            }
        } catch is ManifestMoved {
            await self.deleteLogs([fresh], of: known, logger: logger)
            try await self.caughtUp(number, of: known)
            return
        }
        known.generations[number] = BlobProjectionGeneration(log: fresh, table: generation.table, length: length, blocks: frames.count)
        await self.deleteLogs([log], of: known, logger: logger)
    }

    /// Deletes logs the manifest no longer names. One left behind (the service failed) is only space: no reader
    /// looks for it, and removing the projection lists and deletes it.
    private func deleteLogs(_ logs: [String], of known: Known, logger: Logger) async {
        for log in logs {
            do {
                try await self.client.delete(log)
            } catch {
                logger.warning("a log of projection '\(known.projection)' the manifest no longer names was not deleted: \(error)", metadata: ["blob": "\(log)"])
            }
        }
    }

    /// The projection's logs the manifest does not name: made by a process that died before naming them.
    private func unnamedLogs(of known: Known) async throws -> [String] {
        let named = Set(known.manifest.generations.map(\.log))
        return try await self.client.listAll(prefix: "\(self.root)/\(known.projection)/gen-").map(\.name).filter { !named.contains($0) }
    }

    // MARK: Errors and locking

    /// Runs `body` holding the projection's lock. Errors of the Blob service become the store's errors, and what the
    /// store knew of the projection is read again next time.
    private func with<Result: Sendable>(_ projection: ProjectionName, _ body: (Known) async throws -> Result) async throws -> Result {
        let known = self.known.withLock { known in
            if let existing = known[projection] { return existing }
            let created = Known(projection: projection)
            known[projection] = created
            return created
        }
        return try await known.lock.withLock {
            do {
                return try await body(known)
            } catch let error as EventStoreError {
                throw error
            } catch {
                known.forget()
                throw Self.storeError(error, projection: projection)
            }
        }
    }

    private static func storeError(_ error: any Error, projection: ProjectionName) -> EventStoreError {
        switch error {
        case let error as BlobServiceError where error.isAuthenticationFailure:
            EventStoreError(.storageUnavailable, "projection '\(projection)': the Blob service refused the credentials (\(error.status) \(error.code))")
        case let error as BlobFrameError:
            EventStoreError(.storageCorrupted, "projection '\(projection)': a log of its read model is damaged: \(error)")
        case let error as BlobListingError:
            EventStoreError(.storageCorrupted, "projection '\(projection)': \(error)")
        default:
            EventStoreError(.storageUnavailable, "projection '\(projection)': the Blob service cannot be used: \(error)")
        }
    }

    private static func fenced(_ batch: ProjectionBatch) -> EventStoreError {
        EventStoreError(.generationFenced, "generation \(batch.generation) of projection '\(batch.projection)' is not at \(batch.from)")
    }

    private func checkFence(_ batch: ProjectionBatch, _ known: Known) throws(EventStoreError) {
        guard known.generations[batch.generation]?.table.checkpoint == batch.from else { throw Self.fenced(batch) }
    }

    private func servedGeneration(_ projection: ProjectionName, of known: Known) async throws -> Int64 {
        try await self.readManifest(known)
        guard let served = known.manifest.served, try await self.caughtUp(served, of: known) != nil else {
            throw EventStoreError(.projectionNotFound, "projection '\(projection)' has no read model yet")
        }
        return served
    }
}
