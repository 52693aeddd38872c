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
        /// Position of the last index entry in the active segment.
        var lastIndexedPosition: Int64

        init(activeFile: OpenFile, ids: IDWindow, activeIDs: [UUID], lastIndexedPosition: Int64) {
            self.activeFile = activeFile
            self.ids = ids
            self.activeIDs = activeIDs
            self.lastIndexedPosition = lastIndexedPosition
        }
    }

    let directory: String
    let topic: String
    let options: Options
    let threadPool: NIOThreadPool
    let shared: Mutex<Shared>
    let writer: WriterState
    /// Held open (and flock'ed) while the log is open, so no other process writes the topic.
    let lockFile: OpenFile
    let logger: Logger
    private let fsyncs: Counter

    init(
        directory: String,
        topic: String,
        options: Options,
        threadPool: NIOThreadPool,
        segments: [Segment],
        writer: WriterState,
        lockFile: OpenFile,
        logger: Logger
    ) {
        self.directory = directory
        self.topic = topic
        self.options = options
        self.threadPool = threadPool
        self.shared = Mutex(Shared(segments: segments))
        self.writer = writer
        self.lockFile = lockFile
        self.logger = logger
        self.fsyncs = Counter(label: "eventstore_fs_fsyncs_total", dimensions: [("topic", topic)])
    }

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

    public func read(from offset: Int64, limit: Int, filter: EventFilter, logger: Logger) async throws -> EventPage {
        let segments = self.shared.withLock { $0.segments }
        let head = segments.last?.endOffset ?? 0
        guard offset < head else { return EventPage(events: [], nextOffset: max(offset, head), head: head) }
        return try await self.threadPool.runIfActive {
            try self.readSynchronously(segments: segments, from: offset, limit: limit, filter: filter)
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
        var head = active.endOffset
        var encoder = JSONWriter(capacity: group.reduce(0) { $0 + $1.events.count } * 512)
        var written: [Event] = []
        var newIndexEntries: [Segment.IndexEntry] = []
        var lastIndexed = self.writer.lastIndexedPosition
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
                    if !conditionMatched {
                        conditionMatched = try self.anyStoredEvent(in: segments, from: first, matching: filter)
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
                        let position = startSize + Int64(encoder.bytes.count)
                        if active.index.isEmpty && newIndexEntries.isEmpty || position - lastIndexed >= self.options.indexInterval {
                            newIndexEntries.append(.init(offset: event.offset, position: position))
                            lastIndexed = position
                        }
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
            } catch {
                self.logger.error("Write to fs topic failed", metadata: ["topic": "\(self.topic)", "error": "\(error)"])
                let undo = Result { try self.writer.activeFile.truncate(to: startSize) }
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
            self.writer.lastIndexedPosition = lastIndexed
            active.size = startSize + Int64(encoder.bytes.count)
            active.recordCount += Int64(written.count)
            active.index += newIndexEntries
            let sealed = active.size >= self.options.segmentBytes ? active : nil
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
            try self.writeSidecars(for: segment, ids: self.writer.activeIDs)
            let next = Segment(firstOffset: segment.endOffset, size: 0, recordCount: 0, index: [])
            let path = self.path(of: next.firstOffset, ".jsonl")
            let file = try OpenFile(path: path, flags: O_WRONLY | O_APPEND | O_CREAT | O_EXCL)
            try PosixFile.syncDirectory(self.directory)
            self.writer.activeFile = file
            self.writer.lastIndexedPosition = 0
            self.writer.activeIDs.removeAll()
            self.shared.withLock { $0.segments.append(next) }
            self.logger.debug("Rolled segment", metadata: ["topic": "\(self.topic)", "first_offset": "\(next.firstOffset)"])
        } catch {
            // The sealed segment stays active and keeps growing; rolling is tried again after the next write.
            self.logger.error("Rolling segment failed", metadata: ["topic": "\(self.topic)", "error": "\(error)"])
        }
    }

    /// Writes a sealed segment's sparse index (`.index`: pairs of little-endian Int64 offset and position) and its
    /// ids (`.ids`: 16 bytes per record). Both are rebuilt from the segment when missing or inconsistent, so they are
    /// not synced.
    func writeSidecars(for segment: Segment, ids: [UUID]) throws {
        var index: [UInt8] = []
        index.reserveCapacity(segment.index.count * 16)
        for entry in segment.index {
            withUnsafeBytes(of: entry.offset.littleEndian) { index.append(contentsOf: $0) }
            withUnsafeBytes(of: entry.position.littleEndian) { index.append(contentsOf: $0) }
        }
        try PosixFile.writeAtomically(index, to: self.path(of: segment.firstOffset, ".index"), directory: self.directory, permissions: 0o644)
        var idBytes: [UInt8] = []
        idBytes.reserveCapacity(ids.count * 16)
        for id in ids {
            withUnsafeBytes(of: id.uuid) { idBytes.append(contentsOf: $0) }
        }
        try PosixFile.writeAtomically(idBytes, to: self.path(of: segment.firstOffset, ".ids"), directory: self.directory, permissions: 0o644)
    }

    // MARK: Reading (on the thread pool)

    func readSynchronously(segments: [Segment], from offset: Int64, limit: Int, filter: EventFilter) throws -> EventPage {
        let head = segments.last?.endOffset ?? 0
        var events: [Event] = []
        var examined = 0
        var next = offset
        let first = Self.segmentIndex(containing: offset, in: segments)
        scan: for segment in segments[first...] where segment.recordCount > 0 {
            var done = false
            try self.forEachRecord(in: segment, from: max(offset, segment.firstOffset)) { line in
                let event = try self.decode(line, segment: segment)
                guard event.offset >= offset else { return true }
                if filter.matches(event) { events.append(event) }
                examined += 1
                next = event.offset + 1
                done = events.count >= limit || examined >= self.options.maxScannedRecords
                return !done
            }
            if done { break scan }
        }
        return EventPage(events: events, nextOffset: next, head: head)
    }

    /// Whether a stored event at or after `offset` matches `filter`: the condition check, on the writer's thread.
    private func anyStoredEvent(in segments: [Segment], from offset: Int64, matching filter: EventFilter) throws -> Bool {
        var found = false
        let first = Self.segmentIndex(containing: max(offset, 0), in: segments)
        for segment in segments[first...] where segment.recordCount > 0 && !found {
            try self.forEachRecord(in: segment, from: max(offset, segment.firstOffset)) { line in
                let event = try self.decode(line, segment: segment)
                if event.offset >= offset, filter.matches(event) { found = true }
                return !found
            }
        }
        return found
    }

    /// Calls `body` with each intact record of `segment` from the index entry before `offset` up to the segment's
    /// durable end, until it returns false.
    /// - Throws: `storageCorrupted` for a record whose framing or checksum is wrong.
    func forEachRecord(in segment: Segment, from offset: Int64, _ body: (UnsafeRawBufferPointer) throws -> Bool) throws {
        let file = try OpenFile(path: self.path(of: segment.firstOffset, ".jsonl"), flags: O_RDONLY)
        var position = segment.startPosition(for: offset).position
        var chunkSize = 256 << 10
        while position < segment.size {
            let chunk = try file.read(at: position, count: Int(min(Int64(chunkSize), segment.size - position)))
            var consumed = 0
            let keepGoing = try chunk.withUnsafeBytes { bytes -> Bool in
                var lineStart = 0
                while let newline = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) {
                    let line = UnsafeRawBufferPointer(rebasing: bytes[lineStart..<newline])
                    guard SegmentRecord.isIntact(line) else {
                        throw EventStoreError(
                            .storageCorrupted,
                            "topic '\(self.topic)' has a damaged record in segment \(segment.firstOffset) at byte \(position + Int64(lineStart))"
                        )
                    }
                    lineStart = newline + 1
                    consumed = lineStart
                    if try !body(line) { return false }
                }
                return true
            }
            if !keepGoing { return }
            if consumed == 0 {
                chunkSize *= 2  // a record longer than the chunk
                continue
            }
            position += Int64(consumed)
        }
    }

    private func decode(_ line: UnsafeRawBufferPointer, segment: Segment) throws -> Event {
        do {
            return try SegmentRecord.decode(line)
        } catch {
            throw EventStoreError(.storageCorrupted, "topic '\(self.topic)' has an unreadable record in segment \(segment.firstOffset)")
        }
    }

    static func segmentIndex(containing offset: Int64, in segments: [Segment]) -> Int {
        var low = 0
        var high = segments.count - 1
        var best = 0
        while low <= high {
            let middle = (low + high) / 2
            if segments[middle].firstOffset <= offset {
                best = middle
                low = middle + 1
            } else {
                high = middle - 1
            }
        }
        return best
    }

    func path(of firstOffset: Int64, _ suffix: String) -> String {
        "\(self.directory)/\(Segment.fileName(firstOffset, suffix))"
    }
}
