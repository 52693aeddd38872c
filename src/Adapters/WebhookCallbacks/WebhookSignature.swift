import Crypto
import EventStoreCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Signs callbacks as the Standard Webhooks specification says: HMAC-SHA256 over `id.timestamp.body`, sent as
/// `webhook-signature: v1,<base64>`.
enum WebhookSignature {
    /// The `webhook-signature` header's value.
    /// - Parameters:
    ///   - messageID: the `webhook-id` header.
    ///   - timestamp: the `webhook-timestamp` header, in seconds since 1970.
    static func sign(messageID: String, timestamp: Int64, body: [UInt8], secret: SigningSecret) -> String {
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: secret.bytes))
        let prefix = Array("\(messageID).\(timestamp).".utf8)
        prefix.withUnsafeBytes { hmac.update(data: $0) }
        body.withUnsafeBytes { hmac.update(data: $0) }
        return "v1," + Data(hmac.finalize()).base64EncodedString()
    }
}
