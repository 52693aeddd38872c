import NIOCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Writes JSON straight into a `ByteBuffer`: the response path's encoder.
///
/// The caller writes structure (`{`, `,`, field names) and the writer takes care of escaping strings and of the
/// formats of ids and timestamps. Raw JSON (an event's `data`) is copied as it is.
struct JSONWriter {
    var buffer: ByteBuffer

    init(capacity: Int = 256) {
        self.buffer = ByteBufferAllocator().buffer(capacity: capacity)
    }

    mutating func raw(_ text: StaticString) {
        self.buffer.writeStaticString(text)
    }

    mutating func raw(_ bytes: [UInt8]) {
        self.buffer.writeBytes(bytes)
    }

    /// Writes `"name":`.
    mutating func key(_ name: StaticString) {
        self.buffer.writeInteger(UInt8(ascii: "\""))
        self.buffer.writeStaticString(name)
        self.buffer.writeStaticString("\":")
    }

    mutating func string(_ value: String) {
        self.buffer.writeInteger(UInt8(ascii: "\""))
        var value = value
        let needsEscaping = value.withUTF8 { utf8 in utf8.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") } }
        if needsEscaping {
            self.escaped(value)
        } else {
            self.buffer.writeString(value)
        }
        self.buffer.writeInteger(UInt8(ascii: "\""))
    }

    mutating func optionalString(_ value: String?) {
        if let value { self.string(value) } else { self.raw("null") }
    }

    mutating func int(_ value: Int64) {
        self.buffer.writeString(String(value))
    }

    mutating func int(_ value: Int) {
        self.buffer.writeString(String(value))
    }

    mutating func optionalInt(_ value: Int64?) {
        if let value { self.int(value) } else { self.raw("null") }
    }

    mutating func bool(_ value: Bool) {
        self.raw(value ? "true" : "false")
    }

    mutating func stringArray(_ values: [String]) {
        self.buffer.writeInteger(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { self.buffer.writeInteger(UInt8(ascii: ",")) }
            self.string(value)
        }
        self.buffer.writeInteger(UInt8(ascii: "]"))
    }

    /// Writes a string map with its keys sorted, so output is stable.
    mutating func stringMap(_ values: [String: String]) {
        self.buffer.writeInteger(UInt8(ascii: "{"))
        for (index, key) in values.keys.sorted().enumerated() {
            if index > 0 { self.buffer.writeInteger(UInt8(ascii: ",")) }
            self.string(key)
            self.buffer.writeInteger(UInt8(ascii: ":"))
            self.string(values[key]!)
        }
        self.buffer.writeInteger(UInt8(ascii: "}"))
    }

    /// Writes a UUID in its canonical lowercase form.
    mutating func uuid(_ id: UUID) {
        let hex: StaticString = "0123456789abcdef"
        self.buffer.writeInteger(UInt8(ascii: "\""))
        withUnsafeBytes(of: id.uuid) { bytes in
            hex.withUTF8Buffer { digits in
                for (index, byte) in bytes.enumerated() {
                    if index == 4 || index == 6 || index == 8 || index == 10 { self.buffer.writeInteger(UInt8(ascii: "-")) }
                    self.buffer.writeInteger(digits[Int(byte >> 4)])
                    self.buffer.writeInteger(digits[Int(byte & 0x0F)])
                }
            }
        }
        self.buffer.writeInteger(UInt8(ascii: "\""))
    }

    /// Writes an RFC 3339 UTC timestamp with microseconds: `"2026-11-23T08:34:29.123456Z"`.
    mutating func timestamp(_ date: Date) {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded(.down))
        let (days, microsOfDay) = micros.quotientAndRemainder(dividingBy: 86_400_000_000)
        let (dayNumber, dayMicros) = microsOfDay < 0 ? (days - 1, microsOfDay + 86_400_000_000) : (days, microsOfDay)
        let (year, month, day) = Self.civilDate(daysSinceEpoch: dayNumber)
        let seconds = dayMicros / 1_000_000
        self.buffer.writeInteger(UInt8(ascii: "\""))
        self.digits(year, width: 4)
        self.buffer.writeInteger(UInt8(ascii: "-"))
        self.digits(month, width: 2)
        self.buffer.writeInteger(UInt8(ascii: "-"))
        self.digits(day, width: 2)
        self.buffer.writeInteger(UInt8(ascii: "T"))
        self.digits(seconds / 3600, width: 2)
        self.buffer.writeInteger(UInt8(ascii: ":"))
        self.digits(seconds / 60 % 60, width: 2)
        self.buffer.writeInteger(UInt8(ascii: ":"))
        self.digits(seconds % 60, width: 2)
        self.buffer.writeInteger(UInt8(ascii: "."))
        self.digits(dayMicros % 1_000_000, width: 6)
        self.buffer.writeStaticString("Z\"")
    }

    private mutating func digits(_ value: Int64, width: Int) {
        var divisor: Int64 = 1
        for _ in 1..<width { divisor *= 10 }
        var remaining = value
        while divisor > 0 {
            self.buffer.writeInteger(UInt8(ascii: "0") + UInt8(remaining / divisor % 10))
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

    private mutating func escaped(_ value: String) {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): self.buffer.writeStaticString("\\\"")
            case UInt8(ascii: "\\"): self.buffer.writeStaticString("\\\\")
            case 0x0A: self.buffer.writeStaticString("\\n")
            case 0x0D: self.buffer.writeStaticString("\\r")
            case 0x09: self.buffer.writeStaticString("\\t")
            case 0..<0x20:
                let hex: StaticString = "0123456789abcdef"
                self.buffer.writeStaticString("\\u00")
                hex.withUTF8Buffer { digits in
                    self.buffer.writeInteger(digits[Int(byte >> 4)])
                    self.buffer.writeInteger(digits[Int(byte & 0x0F)])
                }
            default: self.buffer.writeInteger(byte)
            }
        }
    }
}
