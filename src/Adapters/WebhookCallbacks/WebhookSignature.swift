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
        var content: [UInt8] = []
        content.reserveCapacity(messageID.utf8.count + 24 + body.count)
        content.append(contentsOf: messageID.utf8)
        content.append(UInt8(ascii: "."))
        content.append(contentsOf: String(timestamp).utf8)
        content.append(UInt8(ascii: "."))
        content.append(contentsOf: body)
        let code = HMAC<SHA256>.authenticationCode(for: content, using: SymmetricKey(data: secret.bytes))
        return "v1," + Data(code).base64EncodedString()
    }
}
