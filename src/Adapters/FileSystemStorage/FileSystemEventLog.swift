import EventJSON
public import EventStoreCore
public import Logging
import Metrics
import NIOPosix
import POSIXFiles
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A topic's log as JSON Lines segment files in one directory, durable before it acknowledges.
///
/// **Group commit.** Appends queue up; one writer at a time (a job on the thread pool) takes every queued append,
/// plans each with ``AppendPlanner`` in order, writes all their records with one `write` and makes them durable
/// with one `fdatasync`, then answers each append. Concurrent publishes therefore share a write and a sync, while
/// each keeps its own answer. A failed write or sync answers every append of the group with `storageUnavailable`
/// and cuts the segment back to where the group began, so nothing is half-written; if even that fails, the log
/// refuses further appends until it is reopened.
///
/// **Durable head.** After every sync the writer records the head it made durable in `durable-head` (20 digits and a
/// line break, rewritten in place, not synced): a reader in another process (`eventstore-replay`) reads up to it and
/// never sees a record that a failed sync may still cut.
///
/// **Reads** run on the thread pool, seek with the sparse index, verify every record's checksum and never look
/// past the durable end of a segment.
///
/// All blocking calls run on the `NIOThreadPool`, never on Swift's cooperative pool.
public final class FileSystemEventLog: EventLog {
    /// Tunables of a log.
    public struct Options: Sendable {
        /// A segment is sealed and a new one begun once it grows past this many bytes.
        public var segmentBytes: Int64
        /// How many of the most recent event ids are remembered for idempotency.
        public var idempotencyWindow: Int
        /// Bytes between two sparse index entries.
        public var indexInterval: Int64
        /// The most records one filtered read examines before it returns (with `nextOffset` to continue).
        public var maxScannedRecords: Int

        public init(
            segmentBytes: Int64 = 64 << 20,
            idempotencyWindow: Int = 1_000_000,
            indexInterval: Int64 = 64 << 10,
            maxScannedRecords: Int = 100_000
        ) {
            self.segmentBytes = segmentBytes
            self.idempotencyWindow = idempotencyWindow
            self.indexInterval = indexInterval
            self.maxScannedRecords = maxScannedRecords
        }
    }

    struct PendingAppend {
        var events: [NewEvent]
        var condition: AppendCondition?
        var continuation: CheckedContinuation<AppendResult, any Error>
    }

    /// What readers and the queue share; held only for short sections, never across I/O.
    struct Shared {
        var segments: [Segment]
        var pending: [PendingAppend] = []
        var writerRunning = false
        /// Why the log refuses appends, once a write could not be undone.
        var failure: String?
        var closed = false
        var idleWaiters: [CheckedContinuation<Void, Never>] = []

        var head: Int64 { self.segments.last?.endOffset ?? 0 }
    }

    /// What only the writer touches. The `writerRunning` flag in ``Shared`` guarantees one writer at a time.
    final class WriterState: @unchecked Sendable {
        var activeFile: OpenFile
        var ids: IDWindow
        /// The ids of the active segment's records, in order: its `.ids` file when it is sealed.
        var activeIDs: [UUID]
        /// Where the head the writer made durable is published.
        let durableHeadFile: OpenFile

        init(activeFile: OpenFile, ids: IDWindow, activeIDs: [UUID], durableHeadFile: OpenFile) {
            self.activeFile = activeFile
            self.ids = ids
            self.activeIDs = activeIDs
            self.durableHeadFile = durableHeadFile
        }

        /// Publishes `head` as durable. A failure only leaves readers of the file a lower head: logged, not fatal.
        func publishDurableHead(_ head: Int64, logger: Logger) {
            do {
                try self.durableHeadFile.write(DurableHead.encode(head), at: 0)
            } catch {
                logger.warning("Could not publish the durable head", metadata: ["error": "\(error)"])
            }
        }
    }

    let files: SegmentFiles
    let threadPool: NIOThreadPool
    let shared: Mutex<Shared>
    let writer: WriterState
    /// Held open (and flock'ed) while the log is open, so no other process writes the topic.
    let lockFile: OpenFile
    private let fsyncs: Counter

    init(files: SegmentFiles, threadPool: NIOThreadPool, segments: [Segment], writer: WriterState, lockFile: OpenFile) {
        self.files = files
        self.threadPool = threadPool
        self.shared = Mutex(Shared(segments: segments))
        self.writer = writer
        self.lockFile = lockFile
        self.fsyncs = Counter(label: "eventstore_fs_fsyncs_total", dimensions: [("topic", files.topic)])
    }

    private var topic: String { self.files.topic }
    private var logger: Logger { self.files.logger }

    // MARK: EventLog

    public func append(_ events: [NewEvent], condition: AppendCondition?, logger: Logger) async throws -> AppendResult {
        try await withCheckedThrowingContinuation { continuation in
            let outcome = self.shared.withLock { shared -> Result<Bool, EventStoreError> in
                if shared.closed { return .failure(EventStoreError(.storageUnavailable, "topic '\(self.topic)' is closed")) }
                if let failure = shared.failure { return .failure(EventStoreError(.storageUnavailable, failure)) }
                shared.pending.append(PendingAppend(events: events, condition: condition, continuation: continuation))
                if shared.writerRunning { return .success(false) }
                shared.writerRunning = true
                return .success(true)
            }
            switch outcome {
            case .failure(let error):
                continuation.resume(throwing: error)
            case .success(true):
                self.threadPool.submit { _ in self.drain() }
            case .success(false):
                break
            }
        }
    }

    public func read(from offset: Int64, limit: Int, maxBytes: Int, filter: EventFilter, logger: Logger) async throws -> EventPage {
        let segments = self.shared.withLock { $0.segments }
        let head = segments.last?.endOffset ?? 0
        guard offset < head else { return EventPage(events: [], nextOffset: max(offset, head), head: head) }
        return try await self.threadPool.runIfActive {
            try self.files.read(
                segments: segments,
                from: offset,
                limit: limit,
                maxBytes: maxBytes,
                filter: filter,
                maxExamined: self.files.options.maxScannedRecords
            )
        }
    }

    public func head(logger: Logger) async throws -> Int64 {
        self.shared.withLock { $0.head }
    }

    /// Refuses new appends, waits for queued ones to be written, then releases the directory lock.
    public func close(logger: Logger) async throws {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let idle = self.shared.withLock { shared -> Bool in
                shared.closed = true
                if shared.writerRunning {
                    shared.idleWaiters.append(continuation)
                    return false
                }
                return true
            }
            if idle { continuation.resume() }
        }
        self.lockFile.unlock()
        logger.debug("Closed fs topic", metadata: ["topic": "\(self.topic)"])
    }

    // MARK: Writing (on the thread pool, one writer at a time)

    private func drain() {
        while true {
            let (group, segments, failure) = self.shared.withLock { shared -> ([PendingAppend], [Segment], String?) in
                let group = shared.pending
                shared.pending.removeAll()
                if group.isEmpty {
                    shared.writerRunning = false
                    let waiters = shared.idleWaiters
                    shared.idleWaiters.removeAll()
                    for waiter in waiters { waiter.resume() }
                }
                return (group, shared.segments, shared.failure)
            }
            if group.isEmpty { return }
            if let failure {
                for append in group { append.continuation.resume(throwing: EventStoreError(.storageUnavailable, failure)) }
                continue
            }
            self.commit(group, segments: segments)
        }
    }

    /// Plans, writes and syncs one group, then answers its appends.
    private func commit(_ group: [PendingAppend], segments: [Segment]) {
        var active = segments[segments.count - 1]
        let startSize = active.size
        let storedHead = active.endOffset
        var head = storedHead
        var encoder = JSONWriter(capacity: group.reduce(0) { $0 + $1.events.count } * 512)
        var written: [Event] = []
        var groupIDs: [UUID: Int64] = [:]
        var answers: [(CheckedContinuation<AppendResult, any Error>, Result<AppendResult, any Error>)] = []

        for append in group {
            do {
                var storedOffsets: [UUID: Int64] = [:]
                for event in append.events {
                    if let offset = groupIDs[event.id] ?? self.writer.ids[event.id] { storedOffsets[event.id] = offset }
                }
                var conditionMatched = false
                if let condition = append.condition, let filter = condition.failIfEventsMatch {
                    let first = AppendPlanner.firstOffsetChecked(by: condition)
                    conditionMatched = written.contains { $0.offset >= first && filter.matches($0) }
                    if !conditionMatched, first < storedHead {
                        // Every stored event after `first` counts, however far back: no scan bound here.
                        let page = try self.files.read(segments: segments, from: first, limit: 1, filter: filter, maxExamined: .max)
                        conditionMatched = !page.events.isEmpty
                    }
                }
                switch try AppendPlanner.plan(
                    append.events,
                    condition: append.condition,
                    head: head,
                    storedOffsets: storedOffsets,
                    conditionMatched: conditionMatched
                ) {
                case .alreadyStored(let result):
                    answers.append((append.continuation, .success(result)))
                case .write(let events, let result):
                    for event in events {
                        active.indexRecord(event.offset, at: startSize + Int64(encoder.bytes.count), interval: self.files.options.indexInterval)
                        SegmentRecord.encode(event, into: &encoder)
                        groupIDs[event.id] = event.offset
                    }
                    written += events
                    head += Int64(events.count)
                    answers.append((append.continuation, .success(result)))
                }
            } catch {
                answers.append((append.continuation, .failure(error)))
            }
        }

        if !written.isEmpty {
            do {
                try self.writer.activeFile.write(encoder.bytes)
                try self.writer.activeFile.synchronizeData()
                self.fsyncs.increment()
                self.writer.publishDurableHead(head, logger: self.logger)
            } catch {
                self.logger.error("Write to fs topic failed", metadata: ["topic": "\(self.topic)", "error": "\(error)"])
                // The cut must be durable too: otherwise a crash could bring the unacknowledged records back.
                let undo = Result {
                    try self.writer.activeFile.truncate(to: startSize)
                    try self.writer.activeFile.synchronizeData()
                }
                let failure = EventStoreError(.storageUnavailable, "writing topic '\(self.topic)' failed; nothing was stored")
                // Anything that points at an offset of this group (new events, or in-group duplicates) failed with it.
                let groupStart = active.endOffset
                answers = answers.map { answer in
                    if case .success(let result) = answer.1, result.entries.contains(where: { $0.offset >= groupStart }) {
                        return (answer.0, .failure(failure))
                    }
                    return answer
                }
                if case .failure(let undoError) = undo {
                    self.logger.critical("Could not undo a failed write", metadata: ["topic": "\(self.topic)", "error": "\(undoError)"])
                    self.shared.withLock { $0.failure = "topic '\(self.topic)' failed to write and needs a restart" }
                }
                for (continuation, result) in answers { continuation.resume(with: result) }
                return
            }
            for event in written {
                self.writer.ids.insert(event.id, at: event.offset)
                self.writer.activeIDs.append(event.id)
            }
            active.size = startSize + Int64(encoder.bytes.count)
            active.recordCount += Int64(written.count)
            let sealed = active.size >= self.files.options.segmentBytes ? active : nil
            self.shared.withLock { $0.segments[$0.segments.count - 1] = active }
            if let sealed {
                self.roll(sealing: sealed)
            }
        }
        for (continuation, result) in answers { continuation.resume(with: result) }
    }

    /// Seals the active segment (writing its index and id files) and starts the next one.
    private func roll(sealing segment: Segment) {
        do {
            try self.files.writeSidecars(for: segment, ids: self.writer.activeIDs)
            let next = Segment(firstOffset: segment.endOffset, size: 0, recordCount: 0, index: [])
            let file = try OpenFile(path: self.files.path(of: next.firstOffset, ".jsonl"), flags: O_WRONLY | O_APPEND | O_CREAT | O_EXCL)
            try PosixFile.syncDirectory(self.files.directory)
            self.writer.activeFile = file
            self.writer.activeIDs.removeAll()
            self.shared.withLock { $0.segments.append(next) }
            self.logger.debug("Rolled segment", metadata: ["topic": "\(self.topic)", "first_offset": "\(next.firstOffset)"])
        } catch {
            // The sealed segment stays active and keeps growing; rolling is tried again after the next write.
            self.logger.error("Rolling segment failed", metadata: ["topic": "\(self.topic)", "error": "\(error)"])
        }
    }
}
