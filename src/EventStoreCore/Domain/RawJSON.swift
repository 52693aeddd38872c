/// A JSON value kept as the bytes the client sent, already checked to be well-formed JSON.
///
/// Event payloads are stored and served as bytes: the store never needs to look inside them, and re-encoding
/// would cost time and change what the client wrote.
public struct RawJSON: Sendable, Hashable {
    /// UTF-8 encoded, well-formed JSON text.
    public let bytes: [UInt8]

    /// Wraps bytes that the caller has validated as one JSON value.
    public init(validatedBytes: [UInt8]) {
        self.bytes = validatedBytes
    }

    /// The JSON literal `null`.
    public static let null = RawJSON(validatedBytes: Array("null".utf8))
}
