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

extension FileSystemEventLog {
    /// Opens (creating if needed) the log in `directory`, recovering from a crash.
    ///
    /// - Takes the directory's lock, so a second process gets a clear error and touches nothing.
    /// - Sealed segments are not read: their sparse index and id files are loaded (rebuilt from the segment when
    ///   missing or inconsistent). Opening costs O(last segment).
    /// - The last segment is scanned record by record. A torn or partial last record (a crash during a write that
    ///   was never acknowledged) is cut off, with a log line saying how many bytes were dropped. A damaged record
    ///   followed by intact ones is corruption: the open fails with `storageCorrupted` and nothing is changed.
    /// - Throws: `EventStoreError.storageUnavailable` when locked or unreadable, `.storageCorrupted` when damaged.
    static func open(
        directory: String,
        topic: String,
        options: Options,
        threadPool: NIOThreadPool,
        logger: Logger
    ) async throws -> FileSystemEventLog {
        try await threadPool.runIfActive {
            try PosixFile.createDirectories(directory)
            let lockFile = try OpenFile(path: "\(directory)/lock", flags: O_RDWR | O_CREAT)
            guard try lockFile.tryLockExclusively() else {
                throw EventStoreError(
                    .storageUnavailable,
                    "topic '\(topic)' is locked by another process (its directory's lock file is held)"
                )
            }
            try lockFile.truncate(to: 0)
            try lockFile.write(Array("\(getpid())\n".utf8))

            let files = SegmentFiles(directory: directory, topic: topic, options: options, logger: logger)
            var firstOffsets = try files.segmentFirstOffsets()
            if firstOffsets.isEmpty {
                _ = try OpenFile(path: files.path(of: 0, ".jsonl"), flags: O_WRONLY | O_CREAT | O_EXCL)
                try PosixFile.syncDirectory(directory)
                firstOffsets = [0]
            }
            var segments: [Segment] = []
            for (position, firstOffset) in firstOffsets.enumerated().dropLast() {
                segments.append(try files.loadSealedSegment(firstOffset: firstOffset, recordCount: firstOffsets[position + 1] - firstOffset))
            }
            let (active, activeIDs) = try files.recoverActiveSegment(firstOffset: firstOffsets.last!)
            segments.append(active)
            let ids = try files.loadIDs(segments: segments, activeIDs: activeIDs, capacity: options.idempotencyWindow)
            let activeFile = try OpenFile(path: files.path(of: active.firstOffset, ".jsonl"), flags: O_WRONLY | O_APPEND)
            // What a crashed writer wrote but never synced is made durable before its head is published.
            try activeFile.synchronizeData()
            let durableHeadFile = try OpenFile(path: DurableHead.path(in: directory), flags: O_RDWR | O_CREAT)
            try durableHeadFile.write(DurableHead.encode(active.endOffset), at: 0)
            try durableHeadFile.truncate(to: Int64(DurableHead.encode(0).count))
            logger.debug(
                "Opened fs topic",
                metadata: ["topic": "\(topic)", "segments": "\(segments.count)", "head": "\(active.endOffset)"]
            )
            return FileSystemEventLog(
                files: files,
                threadPool: threadPool,
                segments: segments,
                writer: WriterState(activeFile: activeFile, ids: ids, activeIDs: activeIDs, durableHeadFile: durableHeadFile),
                lockFile: lockFile
            )
        }
    }
}
