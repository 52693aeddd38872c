public import AppendGroups
import EventJSON
import EventRecords
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
/// **Group commit.** Appends queue up (an `AppendQueue`, bounded); one writer at a time (a job on the thread pool)
/// takes every queued append, plans them in order (a `GroupPlan`), writes all their records with one `write` and
/// makes them durable with one `fdatasync`, then answers each append. Concurrent publishes therefore share a write and a sync, while
/// each keeps its own answer. A failed write or sync answers every append of the group with `storageUnavailable`
/// and cuts the segment back to where the group began, so nothing is half-written; if even that fails, the log
/// refuses further appends until it is reopened.
///
/// **Durable head.** After every sync the writer records the head it made durable in `durable-head` (20 digits and a
/// line break, rewritten in place, not synced): a reader in another process (`eventstore-replay`) reads up to it and
/// never sees a record that a failed sync may still cut.
///
/// **Reads** near the head are answered from the last events written, kept in memory (``Options/recentBytes``).
/// Older ones run on the thread pool, seek with the sparse index, verify every record's checksum and never look past
/// the durable end of a segment.
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
        /// The most appends waiting for the writer at once; one more is refused as `overloaded`.
        public var maxQueuedAppends: Int
        /// How many bytes of the last events written are kept in memory for readers near the head; 0 keeps none.
        public var recentBytes: Int

        public init(
            segmentBytes: Int64 = 64 << 20,
            idempotencyWindow: Int = 1_000_000,
            indexInterval: Int64 = 64 << 10,
            maxScannedRecords: Int = 100_000,
            maxQueuedAppends: Int = AppendQueue.defaultMaxDepth,
            recentBytes: Int = 1 << 20
        ) {
            self.segmentBytes = segmentBytes
            self.idempotencyWindow = idempotencyWindow
            self.indexInterval = indexInterval
            self.maxScannedRecords = maxScannedRecords
            self.maxQueuedAppends = maxQueuedAppends
            self.recentBytes = recentBytes
        }
    }

    /// What only the writer touches. The append queue runs one writer at a time.
    final class WriterState: @unchecked Sendable {
        var activeFile: OpenFile
        var ids: IDWindow
        /// The ids of the active segment's records, in order: its `.ids` file when it is sealed.
        var activeIDs: [UUID]
        /// Where the head the writer made durable is published.
        let durableHeadFile: OpenFile
        /// Why the log refuses appends, once a write could not be undone.
        var failure: String?

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
    /// The segments, shared by readers and the writer; held only for short sections, never across I/O.
    let segments: Mutex<[Segment]>
    let writer: WriterState
    /// The last events written, which answer reads near the head.
    let recent: RecentEvents
    private let queue: AppendQueue
    /// Held open (and flock'ed) while the log is open, so no other process writes the topic.
    let lockFile: OpenFile
    private let fsyncs: Counter

    init(files: SegmentFiles, threadPool: NIOThreadPool, segments: [Segment], writer: WriterState, lockFile: OpenFile) {
        self.files = files
        self.threadPool = threadPool
        self.segments = Mutex(segments)
        self.writer = writer
        self.lockFile = lockFile
        self.recent = RecentEvents(maxBytes: files.options.recentBytes)
        self.fsyncs = Counter(label: "eventstore_fs_fsyncs_total", dimensions: [("topic", files.topic)])
        self.queue = AppendQueue(topic: files.topic, maxDepth: files.options.maxQueuedAppends)
    }

    private var topic: String { self.files.topic }
    private var logger: Logger { self.files.logger }

    // MARK: EventLog

    public func append(_ events: [NewEvent], condition: AppendCondition?, logger: Logger) async throws -> AppendResult {
        try await self.queue.append(events, condition: condition) {
            self.threadPool.submit { _ in self.drain() }
        }
    }

    public func read(from offset: Int64, limit: Int, maxBytes: Int, filter: EventFilter, logger: Logger) async throws -> EventPage {
        let segments = self.segments.withLock { $0 }
        let head = segments.last?.endOffset ?? 0
        guard offset < head else { return EventPage(events: [], nextOffset: max(offset, head), head: head) }
        let maxExamined = self.files.options.maxScannedRecords
        if let page = self.recent.read(from: offset, head: head, limit: limit, maxBytes: maxBytes, filter: filter, maxExamined: maxExamined) {
            return page
        }
        return try await self.threadPool.runIfActive {
            try self.files.read(
                segments: segments,
                from: offset,
                limit: limit,
                maxBytes: maxBytes,
                filter: filter,
                maxExamined: maxExamined
            )
        }
    }

    public func head(logger: Logger) async throws -> Int64 {
        self.segments.withLock { $0.last?.endOffset ?? 0 }
    }

    /// Refuses new appends, waits for queued ones to be written, then releases the directory lock.
    public func close(logger: Logger) async throws {
        await self.queue.close()
        self.lockFile.unlock()
        logger.debug("Closed fs topic", metadata: ["topic": "\(self.topic)"])
    }

    // MARK: Writing (on the thread pool, one writer at a time)

    private func drain() {
        while let group = self.queue.nextGroup() {
            if let failure = self.writer.failure {
                for append in group { append.answer(.failure(EventStoreError(.storageUnavailable, failure))) }
                continue
            }
            self.commit(group, segments: self.segments.withLock { $0 })
        }
    }

    /// Plans, writes and syncs one group, then answers its appends.
    private func commit(_ group: [AppendQueue.Append], segments: [Segment]) {
        var active = segments[segments.count - 1]
        let startSize = active.size
        let plan: GroupPlan
        do {
            plan = try GroupPlan(
                group.map { ($0.events, $0.condition) },
                head: active.endOffset,
                storedOffset: { self.writer.ids[$0] },
                storedEventMatches: { filter, first in
                    // Every stored event from `first` counts, however far back: no scan bound here.
                    !(try self.files.read(segments: segments, from: first, limit: 1, filter: filter, maxExamined: .max).events.isEmpty)
                },
                errors: .append
            )
        } catch {
            for append in group { append.answer(.failure(error)) }
            return
        }
        var answers: [Result<AppendResult, any Error>] = plan.answers.map { $0.mapError { $0 } }

        if !plan.written.isEmpty {
            var encoder = JSONWriter(capacity: plan.written.count * 512)
            for event in plan.written {
                active.indexRecord(event.offset, at: startSize + Int64(encoder.bytes.count), interval: self.files.options.indexInterval)
                EventRecord.encode(event, into: &encoder)
            }
            do {
                try self.writer.activeFile.write(encoder.bytes)
                try self.writer.activeFile.synchronizeData()
                self.fsyncs.increment()
                self.writer.publishDurableHead(plan.nextHead, logger: self.logger)
            } catch {
                self.logger.error("Write to fs topic failed", metadata: ["topic": "\(self.topic)", "error": "\(error)"])
                // The cut must be durable too: otherwise a crash could bring the unacknowledged records back.
                let undo = Result {
                    try self.writer.activeFile.truncate(to: startSize)
                    try self.writer.activeFile.synchronizeData()
                }
                let failure = EventStoreError(.storageUnavailable, "writing topic '\(self.topic)' failed; nothing was stored")
                // Anything that points at an offset of this group (new events, or in-group duplicates) failed with it.
                answers = answers.map { answer in
                    if case .success(let result) = answer, result.entries.contains(where: { $0.offset >= plan.head }) { return .failure(failure) }
                    return answer
                }
                if case .failure(let undoError) = undo {
                    self.logger.critical("Could not undo a failed write", metadata: ["topic": "\(self.topic)", "error": "\(undoError)"])
                    let reason = "topic '\(self.topic)' failed to write and needs a restart"
                    self.writer.failure = reason
                    self.queue.refuse(reason)
                }
                for (append, answer) in zip(group, answers) { append.answer(answer) }
                return
            }
            for event in plan.written {
                self.writer.ids.insert(event.id, at: event.offset)
                self.writer.activeIDs.append(event.id)
            }
            active.size = startSize + Int64(encoder.bytes.count)
            active.recordCount += Int64(plan.written.count)
            let sealed = active.size >= self.files.options.segmentBytes ? active : nil
            self.recent.append(plan.written)
            self.segments.withLock { $0[$0.count - 1] = active }
            if let sealed {
                self.roll(sealing: sealed)
            }
        }
        for (append, answer) in zip(group, answers) { append.answer(answer) }
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
            self.segments.withLock { $0.append(next) }
            self.logger.debug("Rolled segment", metadata: ["topic": "\(self.topic)", "first_offset": "\(next.firstOffset)"])
        } catch {
            // The sealed segment stays active and keeps growing; rolling is tried again after the next write.
            self.logger.error("Rolling segment failed", metadata: ["topic": "\(self.topic)", "error": "\(error)"])
        }
    }
}

