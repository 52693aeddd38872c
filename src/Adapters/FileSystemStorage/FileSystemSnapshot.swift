import EventStoreCore
import Logging
import NIOPosix
import POSIXFiles

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only view of an fs topic up to the head its writer had made durable when the view was opened: what
/// `eventstore-replay` reads, whether or not a server holds the topic.
///
/// It takes no lock and repairs nothing: sealed segments are read through their index files (rebuilt in memory
/// when missing), the segment being written is verified up to the durable head, never past it. A topic with no
/// `durable-head` file (written by an older server) is read only when no server holds it, up to its last intact
/// record.
final class FileSystemSnapshot: EventLog {
    private let files: SegmentFiles
    private let segments: [Segment]
    private let threadPool: NIOThreadPool
    let head: Int64

    private init(files: SegmentFiles, segments: [Segment], head: Int64, threadPool: NIOThreadPool) {
        self.files = files
        self.segments = segments
        self.head = head
        self.threadPool = threadPool
    }

    /// Opens the view of the topic in `directory`.
    /// - Throws: `storageUnavailable` when the topic is missing, or held by a server that publishes no durable head;
    ///   `storageCorrupted` when the segments hold fewer records than the durable head.
    static func open(
        directory: String,
        topic: String,
        options: FileSystemEventLog.Options,
        threadPool: NIOThreadPool,
        logger: Logger
    ) async throws -> FileSystemSnapshot {
        try await threadPool.runIfActive {
            let files = SegmentFiles(directory: directory, topic: topic, options: options, logger: logger)
            var info = stat()
            guard stat(directory + "/lock", &info) == 0 else {
                throw EventStoreError(.storageUnavailable, "topic '\(topic)' has no storage in \(directory)")
            }
            // The head first: the segments listed after it hold at least the records below it, however the writer
            // rolls meanwhile.
            let durable = try DurableHead.read(in: directory, topic: topic)
            let firstOffsets = try files.segmentFirstOffsets()
            let head = try durable ?? Self.headWithoutWriter(directory: directory, topic: topic, files: files, firstOffsets: firstOffsets)
            // The segments that hold offsets below the head: each but the last is sealed (its records all durable).
            let used = firstOffsets.filter { $0 < head }
            var segments: [Segment] = []
            for (position, firstOffset) in used.enumerated() {
                if position + 1 < used.count {
                    segments.append(try files.loadSealedSegment(firstOffset: firstOffset, recordCount: used[position + 1] - firstOffset, repairing: false))
                } else {
                    segments.append(try files.scanSegment(firstOffset: firstOffset, recordCount: head - firstOffset))
                }
            }
            return FileSystemSnapshot(files: files, segments: segments, head: head, threadPool: threadPool)
        }
    }

    /// The head of a topic without a `durable-head` file: read only when no server holds it (then every intact
    /// record is durable: whoever wrote them is gone).
    private static func headWithoutWriter(directory: String, topic: String, files: SegmentFiles, firstOffsets: [Int64]) throws -> Int64 {
        let lock = try OpenFile(path: directory + "/lock", flags: O_RDONLY)
        guard try lock.tryLockExclusively() else {
            throw EventStoreError(
                .storageUnavailable,
                "topic '\(topic)' is held by a server that does not publish its durable head; upgrade or stop it, or rebuild through it with --server"
            )
        }
        defer { lock.unlock() }
        guard let last = firstOffsets.last else { return 0 }
        return last + (try files.scanSegment(firstOffset: last, recordCount: .max, requiringAll: false).recordCount)
    }

    func append(_ events: [NewEvent], condition: AppendCondition?, logger: Logger) async throws -> AppendResult {
        throw EventStoreError(.storageUnavailable, "topic '\(self.files.topic)' is open read-only")
    }

    func read(from offset: Int64, limit: Int, maxBytes: Int, filter: EventFilter, logger: Logger) async throws -> EventPage {
        guard offset < self.head else { return EventPage(events: [], nextOffset: max(offset, self.head), head: self.head) }
        let page = try await self.threadPool.runIfActive {
            try self.files.read(
                segments: self.segments,
                from: offset,
                limit: limit,
                maxBytes: maxBytes,
                filter: filter,
                maxExamined: self.files.options.maxScannedRecords
            )
        }
        return EventPage(events: page.events, nextOffset: min(page.nextOffset, self.head), head: self.head)
    }

    func head(logger: Logger) async throws -> Int64 {
        self.head
    }

    func close(logger: Logger) async throws {}
}
