#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The key a subscription's callbacks are signed with, shown to the subscriber once, in the Standard Webhooks form
/// `whsec_<base64>`.
public struct SigningSecret: Sendable, Hashable, CustomStringConvertible {
    /// The key's bytes (24 random bytes for generated secrets).
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// A new secret of 24 bytes from the system's cryptographically secure generator.
    public static func generate() -> SigningSecret {
        var generator = SystemRandomNumberGenerator()
        return SigningSecret(bytes: (0..<24).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }

    /// `whsec_` followed by the base64 of the key.
    public var description: String { "whsec_" + Data(self.bytes).base64EncodedString() }
}
