import EventRecords
import EventStoreCore

/// One Append Block of a projection generation's log: one part of one batch of changes.
///
/// | bytes | field |
/// |---|---|
/// | 0–2 | `EVP` |
/// | 3 | version (1) |
/// | 4–7 | the frame's length in bytes, this header included (little-endian) |
/// | 8–11 | CRC-32C of every byte after this field |
/// | 12 | flags: 1 the batch's last part, 2 the batch replaces the whole model |
/// | 13–15 | zero |
/// | 16–23 | the batch's identity (random) |
/// | 24–27 | the part's number, from 0 |
/// | 28–35 | the checkpoint the batch starts from |
/// | 36–43 | the checkpoint it moves to |
///
/// then a slice of the batch's changes (see ``BlobProjectionChanges``), cut wherever the frame is full. A batch is
/// applied when its last part is read after all the others in order; parts of a batch that never got its last part
/// (its writer died, or lost a race) are ignored.
struct BlobProjectionFrame: Sendable, Equatable {
    static let headerLength = 44
    static let version: UInt8 = 1
    private static let magic: [UInt8] = Array("EVP".utf8)
    private static let lastPart: UInt8 = 1
    private static let replacesModel: UInt8 = 2

    var isLastPart: Bool
    var replacesModel: Bool
    var batch: UInt64
    var part: UInt32
    var from: Int64
    var to: Int64
    var payload: ArraySlice<UInt8>

    /// The frames of one batch whose changes encode to `changes`, each at most `maxBytes` long.
    static func encode(
        _ changes: [UInt8],
        batch: UInt64,
        from: Int64,
        to: Int64,
        replacesModel: Bool,
        maxBytes: Int
    ) -> [[UInt8]] {
        let room = maxBytes - Self.headerLength
        precondition(room > 0, "a frame must have room for changes")
        let partCount = max(1, (changes.count + room - 1) / room)
        return (0..<partCount).map { part in
            let slice = changes[min(changes.count, part * room)..<min(changes.count, (part + 1) * room)]
            var bytes = Self.magic
            bytes.reserveCapacity(Self.headerLength + slice.count)
            bytes.append(Self.version)
            LittleEndian.append(UInt32(Self.headerLength + slice.count), to: &bytes)
            LittleEndian.append(UInt32(0), to: &bytes)
            var flags: UInt8 = part == partCount - 1 ? Self.lastPart : 0
            if replacesModel { flags |= Self.replacesModel }
            bytes.append(contentsOf: [flags, 0, 0, 0])
            LittleEndian.append(batch, to: &bytes)
            LittleEndian.append(UInt32(part), to: &bytes)
            LittleEndian.append(UInt64(bitPattern: from), to: &bytes)
            LittleEndian.append(UInt64(bitPattern: to), to: &bytes)
            bytes.append(contentsOf: slice)
            let checksum = bytes.withUnsafeBytes { CRC32C.update(0, UnsafeRawBufferPointer(rebasing: $0[12...])) }
            LittleEndian.store(checksum, at: 8, in: &bytes)
            return bytes
        }
    }

    /// The frames at the start of `bytes`, which begin at log position `position`: as many as are whole.
    /// - Returns: the frames, and how many bytes they take.
    /// - Throws: `BlobFrameError` for bytes that are not a frame (a wrong magic, length or checksum).
    static func frames(in bytes: ArraySlice<UInt8>, at position: Int64) throws(BlobFrameError) -> (frames: [BlobProjectionFrame], consumed: Int) {
        var frames: [BlobProjectionFrame] = []
        var index = bytes.startIndex
        while bytes.endIndex - index >= Self.headerLength {
            let here = position + Int64(index - bytes.startIndex)
            guard bytes[index..<index + 3].elementsEqual(Self.magic), bytes[index + 3] == Self.version else {
                throw BlobFrameError(position: here, reason: "no projection frame starts here")
            }
            let length = Int(LittleEndian.load(UInt32.self, at: index + 4, in: bytes))
            guard length >= Self.headerLength, length <= BlobFrame.maxBytes else {
                throw BlobFrameError(position: here, reason: "a frame length of \(length) bytes")
            }
            guard bytes.endIndex - index >= length else { break }
            let stored = LittleEndian.load(UInt32.self, at: index + 8, in: bytes)
            let computed = bytes.withUnsafeBytes { buffer in
                CRC32C.update(0, UnsafeRawBufferPointer(rebasing: buffer[(index - bytes.startIndex + 12)..<(index - bytes.startIndex + length)]))
            }
            guard stored == computed else { throw BlobFrameError(position: here, reason: "a checksum mismatch") }
            let flags = bytes[index + 12]
            let from = Int64(bitPattern: LittleEndian.load(UInt64.self, at: index + 28, in: bytes))
            let to = Int64(bitPattern: LittleEndian.load(UInt64.self, at: index + 36, in: bytes))
            guard from >= 0, to >= from else { throw BlobFrameError(position: here, reason: "a batch from checkpoint \(from) to \(to)") }
            frames.append(
                BlobProjectionFrame(
                    isLastPart: flags & Self.lastPart != 0,
                    replacesModel: flags & Self.replacesModel != 0,
                    batch: LittleEndian.load(UInt64.self, at: index + 16, in: bytes),
                    part: LittleEndian.load(UInt32.self, at: index + 24, in: bytes),
                    from: from,
                    to: to,
                    payload: bytes[(index + Self.headerLength)..<(index + length)]
                )
            )
            index += length
        }
        return (frames, index - bytes.startIndex)
    }
}

/// A batch's changes as bytes: per entry its key's UTF-8 length (4 bytes, little-endian) and bytes, then its value's
/// length plus one (0: the entry is removed) and bytes.
enum BlobProjectionChanges {
    static func encode(_ changes: some Sequence<(key: ProjectionKey, value: RawJSON?)>, capacity: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(capacity)
        for (key, value) in changes {
            LittleEndian.append(UInt32(key.text.utf8.count), to: &bytes)
            bytes.append(contentsOf: key.text.utf8)
            LittleEndian.append(UInt32(value.map { $0.bytes.count + 1 } ?? 0), to: &bytes)
            if let value { bytes.append(contentsOf: value.bytes) }
        }
        return bytes
    }

    /// - Throws: `BlobFrameError` (at `position`, the batch's first frame) when the bytes end inside an entry.
    static func decode(_ bytes: [UInt8], position: Int64) throws(BlobFrameError) -> [ProjectionKey: RawJSON?] {
        var changes: [ProjectionKey: RawJSON?] = [:]
        var index = 0
        func length() throws(BlobFrameError) -> Int {
            guard bytes.count - index >= 4 else { throw BlobFrameError(position: position, reason: "a batch's changes end inside an entry") }
            defer { index += 4 }
            return Int(LittleEndian.load(UInt32.self, at: index, in: bytes[...]))
        }
        while index < bytes.count {
            let keyLength = try length()
            guard bytes.count - index >= keyLength else { throw BlobFrameError(position: position, reason: "a batch's changes end inside a key") }
            let key = ProjectionKey(String(decoding: bytes[index..<index + keyLength], as: UTF8.self))
            index += keyLength
            let valueLength = try length()
            guard valueLength > 0 else {
                changes[key] = RawJSON?.none
                continue
            }
            guard bytes.count - index >= valueLength - 1 else { throw BlobFrameError(position: position, reason: "a batch's changes end inside a value") }
            changes[key] = RawJSON(storedBytes: Array(bytes[index..<index + valueLength - 1]))
            index += valueLength - 1
        }
        return changes
    }
}
