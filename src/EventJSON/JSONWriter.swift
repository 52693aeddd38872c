#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// Writes JSON into a byte array: the encoder of the API's responses and of the fs adapter's records.
///
/// The caller writes structure (`{`, `,`, field names) and the writer takes care of escaping strings and of the
/// formats of ids and timestamps. Raw JSON (an event's `data`) is copied as it is. Appending to an array with
/// reserved capacity is several times cheaper than writing a `ByteBuffer` byte by byte.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(capacity: Int = 256) {
        self.bytes = []
        self.bytes.reserveCapacity(capacity)
    }

    public mutating func raw(_ text: StaticString) {
        self.bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    public mutating func raw(_ bytes: [UInt8]) {
        self.bytes.append(contentsOf: bytes)
    }

    public mutating func raw(_ bytes: ArraySlice<UInt8>) {
        self.bytes.append(contentsOf: bytes)
    }

    public mutating func raw(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes.append(contentsOf: bytes)
    }

    /// Writes `"name":`.
    public mutating func key(_ name: StaticString) {
        self.bytes.append(UInt8(ascii: "\""))
        self.raw(name)
        self.bytes.append(UInt8(ascii: "\""))
        self.bytes.append(UInt8(ascii: ":"))
    }

    public mutating func string(_ value: String) {
        self.bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            if utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
                self.escaped(utf8)
            } else {
                self.bytes.append(contentsOf: utf8)
            }
        }
        self.bytes.append(UInt8(ascii: "\""))
    }

    public mutating func optionalString(_ value: String?) {
        if let value { self.string(value) } else { self.raw("null") }
    }

    public mutating func int(_ value: Int64) {
        if value >= 0, value < 10 {
            self.bytes.append(UInt8(ascii: "0") + UInt8(value))
        } else {
            self.bytes.append(contentsOf: String(value).utf8)
        }
    }

    public mutating func int(_ value: Int) {
        self.int(Int64(value))
    }

    public mutating func optionalInt(_ value: Int64?) {
        if let value { self.int(value) } else { self.raw("null") }
    }

    public mutating func bool(_ value: Bool) {
        self.raw(value ? "true" : "false")
    }

    public mutating func stringArray(_ values: [String]) {
        self.bytes.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { self.bytes.append(UInt8(ascii: ",")) }
            self.string(value)
        }
        self.bytes.append(UInt8(ascii: "]"))
    }

    /// Writes a string map with its keys sorted, so output is stable.
    public mutating func stringMap(_ values: [String: String]) {
        self.bytes.append(UInt8(ascii: "{"))
        if values.count == 1, let (key, value) = values.first {
            self.string(key)
            self.bytes.append(UInt8(ascii: ":"))
            self.string(value)
        } else if values.count > 1 {
            for (index, entry) in values.sorted(by: { $0.key < $1.key }).enumerated() {
                if index > 0 { self.bytes.append(UInt8(ascii: ",")) }
                self.string(entry.key)
                self.bytes.append(UInt8(ascii: ":"))
                self.string(entry.value)
            }
        }
        self.bytes.append(UInt8(ascii: "}"))
    }

    /// Writes a UUID in its canonical lowercase form.
    public mutating func uuid(_ id: UUID) {
        self.bytes.append(UInt8(ascii: "\""))
        Self.appendCanonicalText(of: id, to: &self.bytes)
        self.bytes.append(UInt8(ascii: "\""))
    }

    /// Appends a UUID's canonical text form, 8-4-4-4-12 lowercase hexadecimal digits, without quotes.
    public static func appendCanonicalText(of id: UUID, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: id.uuid) { uuid in
            for index in 0..<16 {
                if index == 4 || index == 6 || index == 8 || index == 10 { bytes.append(UInt8(ascii: "-")) }
                bytes.append(Self.hexDigit(uuid[index] >> 4))
                bytes.append(Self.hexDigit(uuid[index] & 0x0F))
            }
        }
    }

    /// Writes `value` as 8 lowercase hexadecimal digits (no quotes).
    public mutating func hexDigits(_ value: UInt32) {
        for shift in stride(from: 28, through: 0, by: -4) {
            self.bytes.append(Self.hexDigit(UInt8(value >> UInt32(shift) & 0x0F)))
        }
    }

    private static func hexDigit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    /// Writes an RFC 3339 UTC timestamp with microseconds: `"2026-11-23T08:34:29.123456Z"`.
    public mutating func timestamp(_ date: Date) {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let (days, microsOfDay) = micros.quotientAndRemainder(dividingBy: 86_400_000_000)
        let (dayNumber, dayMicros) = microsOfDay < 0 ? (days - 1, microsOfDay + 86_400_000_000) : (days, microsOfDay)
        let (year, month, day) = Self.civilDate(daysSinceEpoch: dayNumber)
        let seconds = dayMicros / 1_000_000
        self.bytes.append(UInt8(ascii: "\""))
        self.digits(year, width: 4)
        self.bytes.append(UInt8(ascii: "-"))
        self.digits(month, width: 2)
        self.bytes.append(UInt8(ascii: "-"))
        self.digits(day, width: 2)
        self.bytes.append(UInt8(ascii: "T"))
        self.digits(seconds / 3600, width: 2)
        self.bytes.append(UInt8(ascii: ":"))
        self.digits(seconds / 60 % 60, width: 2)
        self.bytes.append(UInt8(ascii: ":"))
        self.digits(seconds % 60, width: 2)
        self.bytes.append(UInt8(ascii: "."))
        self.digits(dayMicros % 1_000_000, width: 6)
        self.raw("Z\"")
    }

    private mutating func digits(_ value: Int64, width: Int) {
        var divisor: Int64 = 1
        for _ in 1..<width { divisor *= 10 }
        var remaining = value
        while divisor > 0 {
            self.bytes.append(UInt8(ascii: "0") + UInt8(remaining / divisor % 10))
            remaining %= divisor
            divisor /= 10
        }
    }

    /// Howard Hinnant's days-to-civil algorithm.
    private static func civilDate(daysSinceEpoch: Int64) -> (Int64, Int64, Int64) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private mutating func escaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "\""): self.raw("\\\"")
            case UInt8(ascii: "\\"): self.raw("\\\\")
            case 0x0A: self.raw("\\n")
            case 0x0D: self.raw("\\r")
            case 0x09: self.raw("\\t")
            case 0..<0x20:
                self.raw("\\u00")
                self.bytes.append(Self.hexDigit(byte >> 4))
                self.bytes.append(Self.hexDigit(byte & 0x0F))
            default: self.bytes.append(byte)
            }
        }
    }
}
