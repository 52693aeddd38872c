/// A JSON value kept as bytes: well-formed JSON text without insignificant whitespace.
///
/// Event payloads are stored and served as bytes: the store never needs to look inside them, and re-encoding
/// would cost time. The one change made to what the client wrote is the rule every adapter shares: the spaces, tabs
/// and line breaks *between* tokens are removed (strings, numbers and the order of keys are kept byte for byte). So
/// every adapter serves the same bytes for the same input, and no line break can ever reach a line-framed record.
public struct RawJSON: Sendable, Hashable {
    /// UTF-8 encoded, well-formed JSON text without whitespace between tokens.
    public let bytes: [UInt8]

    /// Wraps bytes that the caller has validated as one JSON value, removing whitespace between tokens.
    public init(validatedBytes: [UInt8]) {
        self.bytes = Self.removingInsignificantWhitespace(validatedBytes)
    }

    /// Wraps well-formed JSON known to be compact, with no scan: bytes read back from storage (which holds only what
    /// ``init(validatedBytes:)`` produced, or, for data stored before that rule, JSON as the client sent it), or
    /// bytes a reader saw no whitespace in.
    public init(storedBytes: [UInt8]) {
        self.bytes = storedBytes
    }

    /// The JSON literal `null`.
    public static let null = RawJSON(storedBytes: Array("null".utf8))

    /// Drops the whitespace outside strings of well-formed JSON; returns `json` itself when it has none. Inside a
    /// string a raw tab or line break cannot occur (it must be escaped), and an escaped quote does not end it.
    static func removingInsignificantWhitespace(_ json: [UInt8]) -> [UInt8] {
        var compact: [UInt8]?
        var inString = false
        var escaped = false
        for (index, byte) in json.enumerated() {
            var keep = true
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
            } else {
                switch byte {
                case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"):
                    keep = false
                    if compact == nil {
                        compact = Array(json[..<index])
                        compact?.reserveCapacity(json.count)
                    }
                case UInt8(ascii: "\""):
                    inString = true
                default:
                    break
                }
            }
            if keep { compact?.append(byte) }
        }
        return compact ?? json
    }
}
