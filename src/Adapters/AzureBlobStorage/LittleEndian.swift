/// Fixed-width integers in the little-endian byte order of the adapter's frames.
enum LittleEndian {
    static func store<T: FixedWidthInteger>(_ value: T, at index: Int, in bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.replaceSubrange(index..<index + MemoryLayout<T>.size, with: $0) }
    }

    static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    static func load<T: FixedWidthInteger>(_ type: T.Type, at index: Int, in bytes: ArraySlice<UInt8>) -> T {
        var value: T = 0
        for (shift, byte) in bytes[index..<index + MemoryLayout<T>.size].enumerated() { value |= T(byte) << (shift * 8) }
        return value
    }
}
