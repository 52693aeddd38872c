#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

extension UUID {
    /// Parses the canonical text form, 8-4-4-4-12 hexadecimal digits in either case, from its UTF-8 bytes.
    ///
    /// Equivalent to `UUID(uuidString:)` for that form, without its general parser (which costs a `sscanf` per id):
    /// ids are parsed for every event read from text storage.
    public init?(canonicalUTF8 bytes: UnsafeRawBufferPointer) {
        guard let value = Self.parse(bytes) else { return nil }
        self.init(uuid: value)
    }

    /// Parses the canonical text form from its UTF-8 bytes.
    public init?(canonicalUTF8 bytes: ArraySlice<UInt8>) {
        guard let value = bytes.withUnsafeBytes(Self.parse) else { return nil }
        self.init(uuid: value)
    }

    /// Parses the canonical text form, 8-4-4-4-12 hexadecimal digits in either case.
    public init?(canonical text: String) {
        var text = text
        guard let value = text.withUTF8({ Self.parse(UnsafeRawBufferPointer($0)) }) else { return nil }
        self.init(uuid: value)
    }

    private static func parse(_ bytes: UnsafeRawBufferPointer) -> uuid_t? {
        guard bytes.count == 36 else { return nil }
        var value: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let parsed = withUnsafeMutableBytes(of: &value) { output -> Bool in
            var position = 0
            for index in 0..<16 {
                if position == 8 || position == 13 || position == 18 || position == 23 {
                    guard bytes[position] == UInt8(ascii: "-") else { return false }
                    position += 1
                }
                guard let high = Self.nibble(bytes[position]), let low = Self.nibble(bytes[position + 1]) else { return false }
                output[index] = high << 4 | low
                position += 2
            }
            return true
        }
        return parsed ? value : nil
    }

    private static func nibble(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
