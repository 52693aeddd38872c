@testable import AzureBlobStorage
import EventRecords
import EventStoreCore
import Foundation
import Testing

/// Frames a hostile or damaged container may hold: each refused with a reason, none trapping or allocating without
/// bound.
@Suite("Blob frames")
struct BlobFrameTests {
    static let frame = BlobFrame.encode([Event(id: UUID(), offset: 3, type: "E", data: .null, timestamp: Date())], writer: UUID(), batch: 9)

    /// `frame` with the little-endian `value` at `index`, and its checksum made right again.
    static func patched<T: FixedWidthInteger>(_ value: T, at index: Int) -> [UInt8] {
        var bytes = Self.frame
        withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(index..<index + MemoryLayout<T>.size, with: $0) }
        let checksum = bytes.withUnsafeBytes { CRC32C.update(0, UnsafeRawBufferPointer(rebasing: $0[12...])) }
        withUnsafeBytes(of: checksum.littleEndian) { bytes.replaceSubrange(8..<12, with: $0) }
        return bytes
    }

    @Test func aFrameReadsBackWithItsIdentity() throws {
        let (frames, consumed) = try BlobFrame.frames(in: Self.frame[...], at: 100)
        #expect(consumed == Self.frame.count)
        #expect(frames.map(\.firstOffset) == [3])
        #expect(frames.map(\.position) == [100])
        #expect(BlobFrame.identity(ofHeader: Array(Self.frame.prefix(48)))?.batch == 9)
        #expect(try BlobFrame.events(of: frames[0], in: Self.frame[...]).map(\.offset) == [3])
        // A frame cut short is not whole yet: nothing is consumed.
        #expect(try BlobFrame.frames(in: Self.frame.dropLast(), at: 0).consumed == 0)
    }

    @Test(arguments: [
        ("an offset past the bound", Self.patched(Int64.max, at: 12)),
        ("a negative offset", Self.patched(Int64(-1), at: 12)),
        ("no events", Self.patched(UInt32(0), at: 20)),
        ("more events than bytes", Self.patched(UInt32.max, at: 20)),
        ("a length past 4 MiB", Self.patched(UInt32.max, at: 4)),
        ("a length below the header", Self.patched(UInt32(3), at: 4)),
    ])
    func hostileHeadersAreRefused(_ name: String, _ bytes: [UInt8]) {
        #expect(throws: BlobFrameError.self, "\(name)") { try BlobFrame.frames(in: bytes[...], at: 0) }
    }

    @Test func aChecksumMismatchOrAForeignStartIsRefused() {
        var flipped = Self.frame
        flipped[60] ^= 1
        #expect(throws: BlobFrameError.self) { try BlobFrame.frames(in: flipped[...], at: 0) }
        #expect(throws: BlobFrameError.self) { try BlobFrame.frames(in: Array(repeating: 0, count: 64)[...], at: 0) }
        #expect(BlobFrame.identity(ofHeader: Array(repeating: 0, count: 48)) == nil)
        #expect(BlobFrame.identity(ofHeader: Array(Self.frame.prefix(10))) == nil)
    }
}
