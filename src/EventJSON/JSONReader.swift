/// A strict, allocation-light pull parser for RFC 8259 JSON, used on the request path.
///
/// Callers walk the document (``readObject(_:)``, ``readArray(_:)``, ``readString()``...), so fields are decoded
/// straight into domain values, and a value that only needs to be kept (an event's `data`) is validated by
/// ``readRawValue()`` and returned as its bytes without building a tree. Nesting deeper than ``maximumDepth`` is
/// refused, so hostile input cannot exhaust the stack.
public struct JSONReader {
    /// The kinds of JSON value.
    public enum Kind: String, Sendable {
        case object, array, string, number
        case boolean = "boolean"
        case null
    }

    public static let maximumDepth = 128

    private let bytes: [UInt8]
    public private(set) var index: Int = 0
    private var depth = 0
    /// Whitespace bytes skipped so far: tells ``readRawValueNotingWhitespace()`` whether a value held any.
    private var whitespaceSkipped = 0

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// A reader that starts at `index` of `bytes`, for a caller that has read what comes before it.
    public init(_ bytes: [UInt8], at index: Int) {
        self.bytes = bytes
        self.index = min(max(index, 0), bytes.count)
    }

    // MARK: Structure

    /// The kind of the next value.
    public mutating func peekKind() throws(JSONParseError) -> Kind {
        self.skipWhitespace()
        guard self.index < self.bytes.count else { throw self.error("unexpected end of input") }
        switch self.bytes[self.index] {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .boolean
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        default: throw self.error("unexpected character '\(Self.printable(self.bytes[self.index]))'")
        }
    }

    /// Reads an object, calling `field` with each key while the reader stands before that key's value. `field`
    /// must consume the value. Duplicate keys are refused.
    public mutating func readObject(_ field: (String, inout JSONReader) throws(JSONParseError) -> Void) throws(JSONParseError) {
        try self.readObject(rejectingDuplicates: true, field)
    }

    /// Reads an object like ``readObject(_:)``, but passes duplicate keys on (for a caller that lets the last one
    /// win, as stored data may have them).
    public mutating func readObjectAllowingDuplicates(_ field: (String, inout JSONReader) throws(JSONParseError) -> Void) throws(JSONParseError) {
        try self.readObject(rejectingDuplicates: false, decodingKeys: true, field)
    }

    /// Reads an object, passing each name undecoded: the range of its bytes between the quotes (as written, escapes
    /// and all, validated) and whether it holds an escape. Duplicates are passed on. For callers that copy names
    /// through and decode only the rare escaped one.
    public mutating func readObjectRawNames(_ field: (Range<Int>, Bool, inout JSONReader) throws(JSONParseError) -> Void) throws(JSONParseError) {
        try self.readMembers { reader throws(JSONParseError) in
            let start = reader.index + 1
            try reader.skipString()
            let name = start..<(reader.index - 1)
            let escaped = reader.bytes[name].contains(UInt8(ascii: "\\"))
            try reader.expectNameSeparator()
            try field(name, escaped, &reader)
        }
    }

    /// When duplicates are refused, the first keys seen are kept in an array (the few fields of a request object make
    /// a linear search cheaper than hashing), the rest in a set: an object of 60,000 keys costs linear time, not
    /// quadratic.
    private mutating func readObject(
        rejectingDuplicates: Bool,
        decodingKeys: Bool = false,
        _ field: (String, inout JSONReader) throws(JSONParseError) -> Void
    ) throws(JSONParseError) {
        var keys: [String] = []
        var manyKeys: Set<String> = []
        try self.readMembers { reader throws(JSONParseError) in
            let key: String
            if rejectingDuplicates {
                key = try reader.readString()
                if keys.count < 16 {
                    guard !keys.contains(key) else { throw reader.shapeError("duplicate field '\(key.prefix(100))'") }
                    keys.append(key)
                    if keys.count == 16 { manyKeys = Set(keys) }
                } else {
                    guard manyKeys.insert(key).inserted else { throw reader.shapeError("duplicate field '\(key.prefix(100))'") }
                }
            } else if decodingKeys {
                key = try reader.readString()
            } else {
                try reader.skipString()
                key = ""
            }
            try reader.expectNameSeparator()
            try field(key, &reader)
        }
    }

    /// The braces and commas of an object: `member` reads each member, from its name (the reader stands on the
    /// name's opening quote) to the end of its value.
    private mutating func readMembers(_ member: (inout JSONReader) throws(JSONParseError) -> Void) throws(JSONParseError) {
        try self.expect(UInt8(ascii: "{"), "an object")
        try self.enterNesting()
        self.skipWhitespace()
        if self.consume(UInt8(ascii: "}")) {
            self.depth -= 1
            return
        }
        while true {
            self.skipWhitespace()
            guard self.index < self.bytes.count, self.bytes[self.index] == UInt8(ascii: "\"") else {
                throw self.error("expected a field name in double quotes")
            }
            try member(&self)
            self.skipWhitespace()
            if self.consume(UInt8(ascii: ",")) { continue }
            try self.expect(UInt8(ascii: "}"), "',' or '}' in an object")
            self.depth -= 1
            return
        }
    }

    /// The `:` after a field name.
    private mutating func expectNameSeparator() throws(JSONParseError) {
        self.skipWhitespace()
        try self.expect(UInt8(ascii: ":"), "':' after a field name")
    }

    /// Reads an array, calling `element` for each element while the reader stands before it.
    public mutating func readArray(_ element: (inout JSONReader) throws(JSONParseError) -> Void) throws(JSONParseError) {
        try self.expect(UInt8(ascii: "["), "an array")
        try self.enterNesting()
        self.skipWhitespace()
        if self.consume(UInt8(ascii: "]")) {
            self.depth -= 1
            return
        }
        while true {
            try element(&self)
            self.skipWhitespace()
            if self.consume(UInt8(ascii: ",")) { continue }
            try self.expect(UInt8(ascii: "]"), "',' or ']' in an array")
            self.depth -= 1
            return
        }
    }

    /// Checks that only whitespace is left.
    public mutating func expectEnd() throws(JSONParseError) {
        self.skipWhitespace()
        guard self.index == self.bytes.count else { throw self.error("unexpected content after the JSON value") }
    }

    // MARK: Scalars

    /// Reads a string, decoding escapes and refusing invalid UTF-8 and lone surrogates.
    public mutating func readString() throws(JSONParseError) -> String {
        self.skipWhitespace()
        try self.expect(UInt8(ascii: "\""), "a string")
        let start = self.index
        // Fast path: no escapes.
        var isASCII = true
        while self.index < self.bytes.count {
            let byte = self.bytes[self.index]
            if byte == UInt8(ascii: "\"") {
                let string = self.bytes.withUnsafeBufferPointer { bytes in
                    let text = UnsafeBufferPointer(rebasing: bytes[start..<self.index])
                    return isASCII ? String(decoding: text, as: UTF8.self) : Self.utf8String(text)
                }
                guard let string else { throw self.error("invalid UTF-8 in a string", at: start) }
                self.index += 1
                return string
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw self.error("unescaped control character in a string") }
            if byte >= 0x80 { isASCII = false }
            self.index += 1
        }
        var decoded = Array(self.bytes[start..<self.index])
        while self.index < self.bytes.count {
            let byte = self.bytes[self.index]
            switch byte {
            case UInt8(ascii: "\""):
                self.index += 1
                guard let string = decoded.withUnsafeBufferPointer({ Self.utf8String($0) }) else {
                    throw self.error("invalid UTF-8 in a string", at: start)
                }
                return string
            case UInt8(ascii: "\\"):
                self.index += 1
                try self.readEscape(into: &decoded)
            case 0..<0x20:
                throw self.error("unescaped control character in a string")
            default:
                decoded.append(byte)
                self.index += 1
            }
        }
        throw self.error("unterminated string", at: start - 1)
    }

    /// Reads an integer that fits in 64 bits. As in JSON Schema, a whole number written with a fraction or an exponent
    /// (`196.0`, `1e3`) is an integer too; any other fraction is refused.
    public mutating func readInt64() throws(JSONParseError) -> Int64 {
        self.skipWhitespace()
        let range = try self.scanNumber()
        let text = self.bytes.withUnsafeBufferPointer { String(decoding: $0[range], as: UTF8.self) }
        guard let value = Int64(text) ?? Self.wholeValue(of: text) else {
            throw self.error("expected an integer, got \(text.prefix(32))", at: range.lowerBound)
        }
        return value
    }

    /// The value of a number written with a fraction of zeros (any size that fits), or with an exponent when it is
    /// whole and below 2^53 (where every whole number is exact); nil otherwise.
    private static func wholeValue(of text: String) -> Int64? {
        if !text.contains(where: { $0 == "e" || $0 == "E" }), let dot = text.firstIndex(of: ".") {
            guard text[text.index(after: dot)...].allSatisfy({ $0 == "0" }) else { return nil }
            return Int64(text[..<dot])
        }
        guard let number = Double(text), number.isFinite, number.rounded() == number, abs(number) < 9_007_199_254_740_992 else { return nil }
        return Int64(number)
    }

    /// Reads `true` or `false`.
    public mutating func readBool() throws(JSONParseError) -> Bool {
        self.skipWhitespace()
        if self.consumeLiteral("true") { return true }
        if self.consumeLiteral("false") { return false }
        throw self.error("expected true or false")
    }

    /// Reads `null` if it is next; returns whether it did.
    public mutating func readNullIfPresent() throws(JSONParseError) -> Bool {
        self.skipWhitespace()
        return self.consumeLiteral("null")
    }

    /// Validates the next value, of any kind, and returns its exact bytes.
    public mutating func readRawValue() throws(JSONParseError) -> ArraySlice<UInt8> {
        self.skipWhitespace()
        let start = self.index
        try self.skipValue()
        return self.bytes[start..<self.index]
    }

    /// ``readRawValue()``, also saying whether whitespace stood between the value's tokens (so a caller that wants
    /// compact JSON compacts only values that need it, without a second pass over the others).
    public mutating func readRawValueNotingWhitespace() throws(JSONParseError) -> (bytes: ArraySlice<UInt8>, hasWhitespace: Bool) {
        self.skipWhitespace()
        let before = self.whitespaceSkipped
        let start = self.index
        try self.skipValue()
        return (self.bytes[start..<self.index], self.whitespaceSkipped != before)
    }

    /// Validates and skips the next value.
    public mutating func skipValue() throws(JSONParseError) {
        switch try self.peekKind() {
        case .object:
            // Opaque values (an event's data) are kept byte for byte: their keys are validated, not compared.
            try self.readObject(rejectingDuplicates: false) { _, reader throws(JSONParseError) in try reader.skipValue() }
        case .array:
            try self.readArray { reader throws(JSONParseError) in try reader.skipValue() }
        case .string:
            try self.skipString()
        case .number:
            _ = try self.scanNumber()
        case .boolean:
            _ = try self.readBool()
        case .null:
            guard self.consumeLiteral("null") else { throw self.error("expected null") }
        }
    }

    // MARK: Errors

    /// A syntax error at the current position (or `offset`).
    public func error(_ message: String, at offset: Int? = nil) -> JSONParseError {
        JSONParseError(message: message, offset: offset ?? self.index)
    }

    /// Well-formed JSON that does not have the expected shape (a wrong type, an unknown field).
    public func shapeError(_ message: String) -> JSONParseError {
        JSONParseError(message: message, offset: self.index, isSyntaxError: false)
    }

    // MARK: Private

    private mutating func enterNesting() throws(JSONParseError) {
        self.depth += 1
        guard self.depth <= Self.maximumDepth else { throw self.error("nesting deeper than \(Self.maximumDepth) levels") }
    }

    private mutating func skipWhitespace() {
        let start = self.index
        defer { self.whitespaceSkipped &+= self.index - start }
        while self.index < self.bytes.count {
            switch self.bytes[self.index] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): self.index += 1
            default: return
            }
        }
    }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard self.index < self.bytes.count, self.bytes[self.index] == byte else { return false }
        self.index += 1
        return true
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws(JSONParseError) {
        guard self.consume(byte) else {
            if self.index >= self.bytes.count { throw self.error("unexpected end of input, expected \(what)") }
            throw self.error("expected \(what), found '\(Self.printable(self.bytes[self.index]))'")
        }
    }

    /// Consumes `literal` if the input continues with exactly its bytes (no whitespace is skipped first).
    /// - Returns: whether it did.
    public mutating func consumeLiteral(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard self.index + count <= self.bytes.count else { return false }
        let start = self.index
        let matches = literal.withUTF8Buffer { literalBytes in
            (0..<count).allSatisfy { self.bytes[start + $0] == literalBytes[$0] }
        }
        if matches { self.index += count }
        return matches
    }

    private mutating func skipString() throws(JSONParseError) {
        try self.expect(UInt8(ascii: "\""), "a string")
        let start = self.index
        var sawNonASCII = false
        while self.index < self.bytes.count {
            let byte = self.bytes[self.index]
            switch byte {
            case UInt8(ascii: "\""):
                if sawNonASCII {
                    let valid = self.bytes.withUnsafeBufferPointer {
                        Self.utf8String(UnsafeBufferPointer(rebasing: $0[start..<self.index])) != nil
                    }
                    guard valid else { throw self.error("invalid UTF-8 in a string", at: start) }
                }
                self.index += 1
                return
            case UInt8(ascii: "\\"):
                self.index += 1
                var discard: [UInt8] = []
                try self.readEscape(into: &discard)
            case 0..<0x20:
                throw self.error("unescaped control character in a string")
            default:
                if byte >= 0x80 { sawNonASCII = true }
                self.index += 1
            }
        }
        throw self.error("unterminated string", at: start - 1)
    }

    /// Decodes the escape after a backslash, appending its UTF-8 bytes.
    private mutating func readEscape(into output: inout [UInt8]) throws(JSONParseError) {
        guard self.index < self.bytes.count else { throw self.error("unterminated escape") }
        let byte = self.bytes[self.index]
        self.index += 1
        switch byte {
        case UInt8(ascii: "\""): output.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): output.append(UInt8(ascii: "\\"))
        case UInt8(ascii: "/"): output.append(UInt8(ascii: "/"))
        case UInt8(ascii: "b"): output.append(0x08)
        case UInt8(ascii: "f"): output.append(0x0C)
        case UInt8(ascii: "n"): output.append(0x0A)
        case UInt8(ascii: "r"): output.append(0x0D)
        case UInt8(ascii: "t"): output.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try self.readHex4()
            if (0xD800..<0xDC00).contains(scalar) {
                guard self.consumeLiteral("\\u") else { throw self.error("lone high surrogate in \\u escape") }
                let low = try self.readHex4()
                guard (0xDC00..<0xE000).contains(low) else { throw self.error("invalid low surrogate in \\u escape") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00..<0xE000).contains(scalar) {
                throw self.error("lone low surrogate in \\u escape")
            }
            output.append(contentsOf: UTF8.encode(Unicode.Scalar(scalar)!)!)
        default:
            throw self.error("invalid escape '\\\(Self.printable(byte))'", at: self.index - 2)
        }
    }

    private mutating func readHex4() throws(JSONParseError) -> UInt32 {
        guard self.index + 4 <= self.bytes.count else { throw self.error("incomplete \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = self.bytes[self.index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw self.error("invalid hex digit in \\u escape")
            }
            value = value << 4 | UInt32(digit)
            self.index += 1
        }
        return value
    }

    /// Scans `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?` and returns its range.
    private mutating func scanNumber() throws(JSONParseError) -> Range<Int> {
        let start = self.index
        _ = self.consume(UInt8(ascii: "-"))
        guard self.index < self.bytes.count, Self.isDigit(self.bytes[self.index]) else { throw self.error("invalid number") }
        if self.bytes[self.index] == UInt8(ascii: "0") {
            self.index += 1
        } else {
            self.skipDigits()
        }
        if self.consume(UInt8(ascii: ".")) {
            guard self.index < self.bytes.count, Self.isDigit(self.bytes[self.index]) else { throw self.error("invalid number") }
            self.skipDigits()
        }
        if self.consume(UInt8(ascii: "e")) || self.consume(UInt8(ascii: "E")) {
            if !self.consume(UInt8(ascii: "+")) { _ = self.consume(UInt8(ascii: "-")) }
            guard self.index < self.bytes.count, Self.isDigit(self.bytes[self.index]) else { throw self.error("invalid number") }
            self.skipDigits()
        }
        return start..<self.index
    }

    private mutating func skipDigits() {
        while self.index < self.bytes.count, Self.isDigit(self.bytes[self.index]) { self.index += 1 }
    }

    /// The string `bytes` encode, or nil when they are not valid UTF-8.
    ///
    /// Decoding replaces every invalid sequence, so the result has the input's bytes exactly when the input was valid.
    /// (`String(validating:as:)` does the same check but through an unspecialised generic path that looks up type
    /// metadata on every call, which showed in profiles of reads and publishes.)
    static func utf8String(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        let string = String(decoding: bytes, as: UTF8.self)
        let unchanged = string.utf8.withContiguousStorageIfAvailable { $0.elementsEqual(bytes) } ?? string.utf8.elementsEqual(bytes)
        return unchanged ? string : nil
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }

    private static func printable(_ byte: UInt8) -> String {
        (0x20..<0x7F).contains(byte) ? String(UnicodeScalar(byte)) : "\\u{\(String(byte, radix: 16))}"
    }
}

/// Malformed JSON (with the byte offset where it was noticed), or JSON of the wrong shape.
public struct JSONParseError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var offset: Int
    public var isSyntaxError: Bool

    public init(message: String, offset: Int, isSyntaxError: Bool = true) {
        self.message = message
        self.offset = offset
        self.isSyntaxError = isSyntaxError
    }

    public var description: String { self.isSyntaxError ? "invalid JSON at byte \(self.offset): \(self.message)" : self.message }
}
