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

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
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

            var firstOffsets = try Self.segmentFiles(in: directory)
            if firstOffsets.isEmpty {
                _ = try OpenFile(path: "\(directory)/\(Segment.fileName(0, ".jsonl"))", flags: O_WRONLY | O_CREAT | O_EXCL)
                try PosixFile.syncDirectory(directory)
                firstOffsets = [0]
            }
            // A shell for the reading helpers while the segments are being recovered.
            let recovering = FileSystemEventLog(
                directory: directory,
                topic: topic,
                options: options,
                threadPool: threadPool,
                segments: [],
                writer: WriterState(
                    activeFile: lockFile,
                    ids: IDWindow(capacity: 0),
                    activeIDs: [],
                    lastIndexedPosition: 0
                ),
                lockFile: lockFile,
                logger: logger
            )
            var segments: [Segment] = []
            for (position, firstOffset) in firstOffsets.enumerated().dropLast() {
                let next = firstOffsets[position + 1]
                segments.append(try recovering.loadSealedSegment(firstOffset: firstOffset, recordCount: next - firstOffset))
            }
            let (active, lastIndexed, activeIDs) = try recovering.recoverActiveSegment(firstOffset: firstOffsets.last!)
            segments.append(active)
            let ids = try recovering.loadIDs(segments: segments, activeIDs: activeIDs, capacity: options.idempotencyWindow)
            let activeFile = try OpenFile(path: recovering.path(of: active.firstOffset, ".jsonl"), flags: O_WRONLY | O_APPEND)
            logger.debug(
                "Opened fs topic",
                metadata: ["topic": "\(topic)", "segments": "\(segments.count)", "head": "\(active.endOffset)"]
            )
            return FileSystemEventLog(
                directory: directory,
                topic: topic,
                options: options,
                threadPool: threadPool,
                segments: segments,
                writer: WriterState(activeFile: activeFile, ids: ids, activeIDs: activeIDs, lastIndexedPosition: lastIndexed),
                lockFile: lockFile,
                logger: logger
            )
        }
    }

    /// The first offsets of the segment files in `directory`, ascending.
    private static func segmentFiles(in directory: String) throws -> [Int64] {
        guard let handle = opendir(directory) else { throw PosixFile.SystemError(operation: "opendir", path: directory, code: errno) }
        defer { closedir(handle) }
        var offsets: [Int64] = []
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if let offset = Segment.firstOffset(ofFileNamed: name) { offsets.append(offset) }
        }
        return offsets.sorted()
    }

    /// A sealed segment from its index file, or from a scan when the index is missing or does not fit.
    private func loadSealedSegment(firstOffset: Int64, recordCount: Int64) throws -> Segment {
        let size = try OpenFile(path: self.path(of: firstOffset, ".jsonl"), flags: O_RDONLY).size()
        if let bytes = try PosixFile.readIfExists(self.path(of: firstOffset, ".index")), bytes.count % 16 == 0, !bytes.isEmpty {
            var index: [Segment.IndexEntry] = []
            index.reserveCapacity(bytes.count / 16)
            bytes.withUnsafeBytes { raw in
                for entry in stride(from: 0, to: raw.count, by: 16) {
                    index.append(
                        .init(
                            offset: Int64(littleEndian: raw.loadUnaligned(fromByteOffset: entry, as: Int64.self)),
                            position: Int64(littleEndian: raw.loadUnaligned(fromByteOffset: entry + 8, as: Int64.self))
                        )
                    )
                }
            }
            let consistent =
                index.first == .init(offset: firstOffset, position: 0)
                && index.last.map { $0.offset < firstOffset + recordCount && $0.position < size } ?? false
            if consistent {
                return Segment(firstOffset: firstOffset, size: size, recordCount: recordCount, index: index)
            }
        }
        self.logger.notice("Rebuilding a segment index", metadata: ["topic": "\(self.topic)", "segment": "\(firstOffset)"])
        var segment = Segment(firstOffset: firstOffset, size: size, recordCount: recordCount, index: [])
        var position: Int64 = 0
        var lastIndexed: Int64 = -self.options.indexInterval
        var expected = firstOffset
        var ids: [UUID] = []
        try self.forEachRecord(in: segment, from: firstOffset) { line in
            guard let header = SegmentRecord.header(line), header.offset == expected else {
                throw EventStoreError(.storageCorrupted, "topic '\(self.topic)': segment \(firstOffset) is out of sequence at offset \(expected)")
            }
            if position - lastIndexed >= self.options.indexInterval {
                segment.index.append(.init(offset: header.offset, position: position))
                lastIndexed = position
            }
            position += Int64(line.count + 1)
            expected += 1
            ids.append(header.id)
            return true
        }
        guard expected == firstOffset + recordCount else {
            throw EventStoreError(
                .storageCorrupted,
                "topic '\(self.topic)': segment \(firstOffset) holds \(expected - firstOffset) records, expected \(recordCount)"
            )
        }
        try? self.writeSidecars(for: segment, ids: ids)
        return segment
    }

    /// Scans the last segment: verifies every record, cuts off a torn tail, builds the in-memory index and id list.
    /// The segment is read whole: it is at most a little over `segmentBytes`.
    private func recoverActiveSegment(firstOffset: Int64) throws -> (Segment, lastIndexed: Int64, ids: [UUID]) {
        let file = try OpenFile(path: self.path(of: firstOffset, ".jsonl"), flags: O_RDWR)
        let fileSize = try file.size()
        let bytes = try file.read(at: 0, count: Int(fileSize))
        var segment = Segment(firstOffset: firstOffset, size: 0, recordCount: 0, index: [])
        var ids: [UUID] = []
        var lastIndexed = -self.options.indexInterval
        var damagedAt: Int64?
        try bytes.withUnsafeBytes { bytes in
            var lineStart = 0
            while let newline = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = UnsafeRawBufferPointer(rebasing: bytes[lineStart..<newline])
                let position = Int64(lineStart)
                lineStart = newline + 1
                if let damaged = damagedAt {
                    guard !SegmentRecord.isIntact(line) else {
                        // An intact record after a damaged one: the damage is not a torn tail.
                        throw EventStoreError(
                            .storageCorrupted,
                            "topic '\(self.topic)' has a damaged record in segment \(firstOffset) at byte \(damaged); it was left as it is"
                        )
                    }
                } else if SegmentRecord.isIntact(line), let header = SegmentRecord.header(line), header.offset == segment.endOffset {
                    if position - lastIndexed >= self.options.indexInterval {
                        segment.index.append(.init(offset: header.offset, position: position))
                        lastIndexed = position
                    }
                    segment.recordCount += 1
                    segment.size = Int64(newline + 1)
                    ids.append(header.id)
                } else {
                    damagedAt = position
                }
            }
        }
        if segment.size < fileSize {
            self.logger.warning(
                "Cut off a torn record at the end of a segment",
                metadata: ["topic": "\(self.topic)", "segment": "\(firstOffset)", "bytes_dropped": "\(fileSize - segment.size)"]
            )
            try file.truncate(to: segment.size)
            try file.synchronizeData()
        }
        return (segment, lastIndexed, ids)
    }

    /// The ids of the newest `capacity` events, from the last segment and the id files of sealed ones.
    private func loadIDs(segments: [Segment], activeIDs: [UUID], capacity: Int) throws -> IDWindow {
        var needed = Int64(capacity)
        var chosen: [Segment] = []
        for segment in segments.reversed() where needed > 0 {
            chosen.append(segment)
            needed -= segment.recordCount
        }
        let total = chosen.reduce(0) { $0 + Int($1.recordCount) }
        var window = IDWindow(capacity: capacity, expected: total)
        // Only the newest `capacity` ids are kept: skip the overshoot at the start of the oldest chosen segment.
        var overshoot = Int64(max(0, total - capacity))
        for segment in chosen.reversed() {
            let skip = min(overshoot, segment.recordCount)
            overshoot -= skip
            if segment.firstOffset == segments.last!.firstOffset {
                for (record, id) in activeIDs.enumerated().dropFirst(Int(skip)) {
                    window.insert(id, at: segment.firstOffset + Int64(record))
                }
                continue
            }
            if let bytes = try PosixFile.readIfExists(self.path(of: segment.firstOffset, ".ids")),
                bytes.count == Int(segment.recordCount) * 16
            {
                bytes.withUnsafeBytes { raw in
                    for record in skip..<segment.recordCount {
                        let uuid = raw.loadUnaligned(fromByteOffset: Int(record) * 16, as: uuid_t.self)
                        window.insert(UUID(uuid: uuid), at: segment.firstOffset + record)
                    }
                }
                continue
            }
            try self.forEachRecord(in: segment, from: segment.firstOffset) { line in
                if let header = SegmentRecord.header(line), header.offset - segment.firstOffset >= skip {
                    window.insert(header.id, at: header.offset)
                }
                return true
            }
        }
        return window
    }
}
