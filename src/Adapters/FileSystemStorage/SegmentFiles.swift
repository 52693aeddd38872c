import EventJSON
import EventRecords
import EventStoreCore
import Logging
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

/// The files of one fs topic's directory, and the blocking work on them: scanning and reading records, writing the
/// sidecar files of sealed segments, and recovering the segments when the topic is opened.
///
/// Call only from a thread pool, never from Swift's cooperative pool.
struct SegmentFiles: Sendable {
    let directory: String
    let topic: String
    let options: FileSystemEventLog.Options
    let logger: Logger

    func path(of firstOffset: Int64, _ suffix: String) -> String {
        "\(self.directory)/\(Segment.fileName(firstOffset, suffix))"
    }

    // MARK: Reading

    /// Reads matching events from `offset` on, in offset order, until `limit` match or `maxExamined` records have
    /// been examined. Records before `offset` (the index only gets close) are skipped by their header, undecoded.
    /// - Throws: `storageCorrupted` for a record that is damaged, has no readable header or is out of sequence (a
    ///   repeated or missing offset): a read never serves an event twice or skips one.
    func read(
        segments: [Segment],
        from offset: Int64,
        limit: Int,
        maxBytes: Int = .max,
        filter: EventFilter,
        maxExamined: Int
    ) throws -> EventPage {
        let head = segments.last?.endOffset ?? 0
        var gatherer = EventPageGatherer(from: offset, limit: limit, maxBytes: maxBytes, filter: filter, maxExamined: maxExamined)
        let first = segments.lastIndex(withKeyAtMost: offset, key: \.firstOffset) ?? 0
        for segment in segments[first...] where segment.recordCount > 0 {
            var done = false
            try self.forEachRecord(in: segment, from: max(offset, segment.firstOffset)) { line in
                guard let header = EventRecord.header(line) else {
                    throw EventStoreError(
                        .storageCorrupted,
                        "topic '\(self.topic)' has a record without offset and id in segment \(segment.firstOffset)"
                    )
                }
                guard header.offset >= offset else { return true }
                guard header.offset == gatherer.next else {
                    throw EventStoreError(
                        .storageCorrupted,
                        "topic '\(self.topic)': segment \(segment.firstOffset) holds offset \(header.offset) where \(gatherer.next) belongs"
                    )
                }
                done = !gatherer.take(try self.decode(line, header: header, segment: segment))
                return !done
            }
            if done { break }
        }
        return gatherer.page(head: head)
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
                while let newline = Self.newline(in: bytes, from: lineStart) {
                    let line = UnsafeRawBufferPointer(rebasing: bytes[lineStart..<newline])
                    guard EventRecord.isIntact(line) else {
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
                guard position + Int64(chunk.count) < segment.size else {
                    // The segment's last bytes hold no newline: a sealed segment is never torn, so this is damage.
                    throw EventStoreError(
                        .storageCorrupted,
                        "topic '\(self.topic)' has a damaged record in segment \(segment.firstOffset) at byte \(position): it has no end"
                    )
                }
                chunkSize *= 2  // a record longer than the chunk
                continue
            }
            position += Int64(consumed)
        }
    }

    /// The index of the first newline at or after `start` (memchr: far faster than a byte loop on long chunks).
    private static func newline(in bytes: UnsafeRawBufferPointer, from start: Int) -> Int? {
        guard start < bytes.count, let base = bytes.baseAddress,
            let found = memchr(base + start, Int32(UInt8(ascii: "\n")), bytes.count - start)
        else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    private func decode(_ line: UnsafeRawBufferPointer, header: EventRecord.Header, segment: Segment) throws -> Event {
        do {
            return try EventRecord.decode(line, header: header)
        } catch {
            throw EventStoreError(.storageCorrupted, "topic '\(self.topic)' has an unreadable record in segment \(segment.firstOffset)")
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
        try PosixFile.writeAtomically(index, to: self.path(of: segment.firstOffset, ".index"), directory: self.directory, permissions: 0o600)
        try self.writeIDs(ids, of: segment.firstOffset)
    }

    /// Writes the `.ids` file of the sealed segment that begins at `firstOffset`: its records' ids in order.
    func writeIDs(_ ids: [UUID], of firstOffset: Int64) throws {
        var idBytes: [UInt8] = []
        idBytes.reserveCapacity(ids.count * 16)
        for id in ids {
            withUnsafeBytes(of: id.uuid) { idBytes.append(contentsOf: $0) }
        }
        try PosixFile.writeAtomically(idBytes, to: self.path(of: firstOffset, ".ids"), directory: self.directory, permissions: 0o600)
    }

    // MARK: Recovery

    /// The first offsets of the segment files in `directory`, ascending: regular files named like a segment, nothing
    /// else (a directory or a link of that name is not a segment).
    func segmentFirstOffsets() throws -> [Int64] {
        guard let handle = opendir(self.directory) else { throw PosixFile.SystemError(operation: "opendir", path: self.directory, code: errno) }
        defer { closedir(handle) }
        var offsets: [Int64] = []
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            guard let offset = Segment.firstOffset(ofFileNamed: name) else { continue }
            var isRegular = entry.pointee.d_type == UInt8(DT_REG)
            if entry.pointee.d_type == UInt8(DT_UNKNOWN) {
                var info = stat()
                isRegular = lstat(self.directory + "/" + name, &info) == 0 && info.st_mode & S_IFMT == S_IFREG
            }
            if isRegular { offsets.append(offset) }
        }
        return offsets.sorted()
    }

    /// A sealed segment from its index file, or from a scan when the index is missing or does not fit (which writes
    /// the index again when `repairing`).
    func loadSealedSegment(firstOffset: Int64, recordCount: Int64, repairing: Bool = true) throws -> Segment {
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
            // Entries ascend in both offset and position, from the segment's start to within its records and bytes.
            let consistent =
                index.first == .init(offset: firstOffset, position: 0)
                && index.last.map { $0.offset < firstOffset + recordCount && $0.position < size } ?? false
                && zip(index, index.dropFirst()).allSatisfy { $0.offset < $1.offset && $0.position < $1.position }
            if consistent {
                return Segment(firstOffset: firstOffset, size: size, recordCount: recordCount, index: index)
            }
        }
        self.logger.notice("Rebuilding a segment index", metadata: ["topic": "\(self.topic)", "segment": "\(firstOffset)"])
        var segment = Segment(firstOffset: firstOffset, size: size, recordCount: recordCount, index: [])
        var position: Int64 = 0
        var expected = firstOffset
        var ids: [UUID] = []
        try self.forEachRecord(in: segment, from: firstOffset) { line in
            guard let header = EventRecord.header(line), header.offset == expected else {
                throw EventStoreError(.storageCorrupted, "topic '\(self.topic)': segment \(firstOffset) is out of sequence at offset \(expected)")
            }
            segment.indexRecord(header.offset, at: position, interval: self.options.indexInterval)
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
        if repairing { try? self.writeSidecars(for: segment, ids: ids) }
        return segment
    }

    /// The first `recordCount` records of a segment that is still being written, verified and indexed in memory; the
    /// file is not changed.
    /// - Throws: `storageCorrupted` when the segment holds fewer intact records and `requiringAll`.
    func scanSegment(firstOffset: Int64, recordCount: Int64, requiringAll: Bool = true) throws -> Segment {
        var segment = Segment(firstOffset: firstOffset, size: 0, recordCount: 0, index: [])
        guard recordCount > 0 else { return segment }
        let file = try OpenFile(path: self.path(of: firstOffset, ".jsonl"), flags: O_RDONLY)
        let bytes = try file.read(at: 0, count: Int(try file.size()))
        bytes.withUnsafeBytes { bytes in
            var lineStart = 0
            while segment.recordCount < recordCount, let newline = Self.newline(in: bytes, from: lineStart) {
                let line = UnsafeRawBufferPointer(rebasing: bytes[lineStart..<newline])
                guard EventRecord.isIntact(line), let header = EventRecord.header(line), header.offset == segment.endOffset else { return }
                segment.indexRecord(header.offset, at: Int64(lineStart), interval: self.options.indexInterval)
                segment.recordCount += 1
                lineStart = newline + 1
                segment.size = Int64(lineStart)
            }
        }
        guard segment.recordCount == recordCount || !requiringAll else {
            throw EventStoreError(
                .storageCorrupted,
                "topic '\(self.topic)': segment \(firstOffset) holds \(segment.recordCount) intact records, fewer than the \(recordCount) its writer made durable"
            )
        }
        return segment
    }

    /// Scans the last segment: verifies every record, cuts off a torn tail, builds the in-memory index and id list.
    /// The segment is read whole: it is at most a little over `segmentBytes`.
    func recoverActiveSegment(firstOffset: Int64) throws -> (Segment, ids: [UUID]) {
        let file = try OpenFile(path: self.path(of: firstOffset, ".jsonl"), flags: O_RDWR)
        let fileSize = try file.size()
        let bytes = try file.read(at: 0, count: Int(fileSize))
        var segment = Segment(firstOffset: firstOffset, size: 0, recordCount: 0, index: [])
        var ids: [UUID] = []
        var damagedAt: Int64?
        try bytes.withUnsafeBytes { bytes in
            var lineStart = 0
            while let newline = Self.newline(in: bytes, from: lineStart) {
                let line = UnsafeRawBufferPointer(rebasing: bytes[lineStart..<newline])
                let position = Int64(lineStart)
                lineStart = newline + 1
                if let damaged = damagedAt {
                    guard !EventRecord.isIntact(line) else {
                        // An intact record after a damaged one: the damage is not a torn tail.
                        throw EventStoreError(
                            .storageCorrupted,
                            "topic '\(self.topic)' has a damaged record in segment \(firstOffset) at byte \(damaged); it was left as it is"
                        )
                    }
                } else if EventRecord.isIntact(line), let header = EventRecord.header(line), header.offset == segment.endOffset {
                    segment.indexRecord(header.offset, at: position, interval: self.options.indexInterval)
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
        return (segment, ids)
    }

    /// The ids of the newest `capacity` events, from the last segment and the id files of sealed ones.
    func loadIDs(segments: [Segment], activeIDs: [UUID], capacity: Int) throws -> IDWindow {
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
            // The id file is missing or does not fit the segment: read the ids from the records, and write it again.
            var ids: [UUID] = []
            try self.forEachRecord(in: segment, from: segment.firstOffset) { line in
                if let header = EventRecord.header(line) {
                    ids.append(header.id)
                    if header.offset - segment.firstOffset >= skip { window.insert(header.id, at: header.offset) }
                }
                return true
            }
            self.logger.notice("Rebuilt a segment's id file", metadata: ["topic": "\(self.topic)", "segment": "\(segment.firstOffset)"])
            if ids.count == Int(segment.recordCount) { try? self.writeIDs(ids, of: segment.firstOffset) }
        }
        return window
    }
}
