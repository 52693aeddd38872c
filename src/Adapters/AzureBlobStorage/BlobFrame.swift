import EventJSON
import EventRecords
import EventStoreCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One Append Block of a blob topic's segment, self-describing, so a reader can parse from any frame boundary:
///
/// | bytes | field |
/// |---|---|
/// | 0–2 | `EVF` |
/// | 3 | version (1) |
/// | 4–7 | the frame's length in bytes, this header included (little-endian) |
/// | 8–11 | CRC-32C of every byte after this field |
/// | 12–19 | the offset of its first event |
/// | 20–23 | how many events it holds |
/// | 24–39 | the writer's identity (a UUID per open log) |
/// | 40–47 | the batch's number among that writer's frames |
///
/// then the events, each an event record (a JSON line with its own CRC-32C, as in fs segments). A frame is at most
/// ``maxBytes``: the Blob service's limit for one Append Block.
struct BlobFrame: Sendable, Equatable {
    static let headerLength = 48
    static let maxBytes = 4 << 20
    /// No event record is shorter (its fixed fields alone take more).
    static let minimumRecordLength = 100
    static let version: UInt8 = 1
    private static let magic: [UInt8] = Array("EVF".utf8)

    /// Where the frame starts in its segment.
    var position: Int64
    var length: Int
    var firstOffset: Int64
    var count: Int
    var writer: UUID
    var batch: UInt64

    var endOffset: Int64 { self.firstOffset + Int64(self.count) }
    var endPosition: Int64 { self.position + Int64(self.length) }

    /// The frame of `events` (consecutive offsets).
    static func encode(_ events: [Event], writer: UUID, batch: UInt64) -> [UInt8] {
        var records = JSONWriter(capacity: events.count * 512 + Self.headerLength)
        records.raw(Array(repeating: 0, count: Self.headerLength))
        for event in events { EventRecord.encode(event, into: &records) }
        var bytes = records.bytes
        bytes.replaceSubrange(0..<3, with: Self.magic)
        bytes[3] = Self.version
        LittleEndian.store(UInt32(bytes.count), at: 4, in: &bytes)
        LittleEndian.store(UInt64(bitPattern: events.first?.offset ?? 0), at: 12, in: &bytes)
        LittleEndian.store(UInt32(events.count), at: 20, in: &bytes)
        withUnsafeBytes(of: writer.uuid) { bytes.replaceSubrange(24..<40, with: $0) }
        LittleEndian.store(batch, at: 40, in: &bytes)
        let checksum = bytes.withUnsafeBytes { CRC32C.update(0, UnsafeRawBufferPointer(rebasing: $0[12...])) }
        LittleEndian.store(checksum, at: 8, in: &bytes)
        return bytes
    }

    /// The size of the frame of `events` numbered from an offset of as many digits as `Int64.max`: no frame of
    /// them is larger.
    static func largestLength(of events: [NewEvent]) -> Int {
        var writer = JSONWriter(capacity: 1024)
        for event in events { EventRecord.encode(event.recorded(at: .max), into: &writer) }
        return Self.headerLength + writer.bytes.count
    }

    /// The frames at the start of `bytes`, which begin at segment position `position`: as many as are whole.
    /// - Returns: the frames, and how many bytes they take.
    /// - Throws: `BlobFrameError` for bytes that are not a frame (a wrong magic, length or checksum).
    static func frames(in bytes: ArraySlice<UInt8>, at position: Int64) throws(BlobFrameError) -> (frames: [BlobFrame], consumed: Int) {
        var frames: [BlobFrame] = []
        var index = bytes.startIndex
        while bytes.endIndex - index >= Self.headerLength {
            guard bytes[index..<index + 3].elementsEqual(Self.magic), bytes[index + 3] == Self.version else {
                throw BlobFrameError(position: position + Int64(index - bytes.startIndex), reason: "no frame starts here")
            }
            let length = Int(LittleEndian.load(UInt32.self, at: index + 4, in: bytes))
            guard length >= Self.headerLength, length <= Self.maxBytes else {
                throw BlobFrameError(position: position + Int64(index - bytes.startIndex), reason: "a frame length of \(length) bytes")
            }
            guard bytes.endIndex - index >= length else { break }
            let firstOffset = Int64(bitPattern: LittleEndian.load(UInt64.self, at: index + 12, in: bytes))
            let count = Int(LittleEndian.load(UInt32.self, at: index + 20, in: bytes))
            guard firstOffset >= 0, firstOffset <= BlobEventLog.maxOffset, count >= 1, count <= (length - Self.headerLength) / Self.minimumRecordLength
            else {
                throw BlobFrameError(position: position + Int64(index - bytes.startIndex), reason: "a frame of \(count) events from offset \(firstOffset)")
            }
            let stored = LittleEndian.load(UInt32.self, at: index + 8, in: bytes)
            let computed = bytes.withUnsafeBytes { buffer in
                CRC32C.update(0, UnsafeRawBufferPointer(rebasing: buffer[(index - bytes.startIndex + 12)..<(index - bytes.startIndex + length)]))
            }
            guard stored == computed else { throw BlobFrameError(position: position + Int64(index - bytes.startIndex), reason: "a checksum mismatch") }
            var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
            withUnsafeMutableBytes(of: &uuid) { target in target.copyBytes(from: bytes[(index + 24)..<(index + 40)]) }
            frames.append(
                BlobFrame(
                    position: position + Int64(index - bytes.startIndex),
                    length: length,
                    firstOffset: firstOffset,
                    count: count,
                    writer: UUID(uuid: uuid),
                    batch: LittleEndian.load(UInt64.self, at: index + 40, in: bytes)
                )
            )
            index += length
        }
        return (frames, index - bytes.startIndex)
    }

    /// The writer and batch a frame's header names, or nil when `header` is not the start of a frame.
    static func identity(ofHeader header: [UInt8]) -> (writer: UUID, batch: UInt64)? {
        guard header.count >= Self.headerLength, header[0..<3].elementsEqual(Self.magic), header[3] == Self.version else { return nil }
        var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &uuid) { target in target.copyBytes(from: header[24..<40]) }
        return (UUID(uuid: uuid), LittleEndian.load(UInt64.self, at: 40, in: header[...]))
    }

    /// The events of the frame whose bytes are `bytes` (header included), checked against it.
    static func events(of frame: BlobFrame, in bytes: ArraySlice<UInt8>) throws(BlobFrameError) -> [Event] {
        var events: [Event] = []
        events.reserveCapacity(frame.count)
        var start = bytes.startIndex + Self.headerLength
        while start < bytes.endIndex {
            guard let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) else { break }
            let event: Event? = bytes.withUnsafeBytes { buffer in
                let line = UnsafeRawBufferPointer(rebasing: buffer[(start - bytes.startIndex)..<(newline - bytes.startIndex)])
                guard EventRecord.isIntact(line), let header = EventRecord.header(line) else { return nil }
                return try? EventRecord.decode(line, header: header)
            }
            guard let event, event.offset == frame.firstOffset + Int64(events.count) else {
                throw BlobFrameError(position: frame.position, reason: "record \(events.count) is not the event it should be")
            }
            events.append(event)
            start = newline + 1
        }
        guard events.count == frame.count else { throw BlobFrameError(position: frame.position, reason: "\(events.count) records for \(frame.count) events") }
        return events
    }
}

/// Bytes of a segment that are not the frames they should be.
struct BlobFrameError: Error, Sendable, CustomStringConvertible {
    var position: Int64
    var reason: String

    var description: String { "the segment holds no valid frame at byte \(self.position): \(self.reason)" }
}
