import Crypto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// SAS tokens signed with an account key: a service SAS for a container or a blob, or an account SAS, with the
/// strings to sign the Blob service checks (versions from 2020-12-06 on).
public enum SharedAccessSignature {
    /// What every SAS states.
    public struct Terms: Sendable {
        /// Permission letters (`racwdl...`), in the service's order.
        public var permissions: String
        /// ISO 8601 UTC times (`2026-11-30T12:00:00Z`).
        public var start: String?
        /// When the token stops working, in the same form.
        public var expiry: String
        /// An address or range (`168.1.5.60-168.1.5.70`) requests must come from.
        public var ip: String?
        /// `https` or `https,http`.
        public var protocols: String?
        /// The `sv` the token is signed for.
        public var version: String

        /// Terms without a start, address range or protocol unless given.
        public init(permissions: String, start: String? = nil, expiry: String, ip: String? = nil, protocols: String? = nil, version: String) {
            self.permissions = permissions
            self.start = start
            self.expiry = expiry
            self.ip = ip
            self.protocols = protocols
            self.version = version
        }
    }

    /// A service SAS for `container` (or one blob of it), as query parameters in the order tokens carry them.
    public static func service(account: String, key: [UInt8], container: String, blob: String? = nil, terms: Terms) -> [(name: String, value: String)] {
        let resource = blob == nil ? "c" : "b"
        let canonicalized = "/blob/\(account)/\(container)" + (blob.map { "/\($0)" } ?? "")
        // permissions, start, expiry, resource, identifier, ip, protocol, version, resource kind, snapshot time,
        // encryption scope, then the five response header overrides (none here).
        let fields = [
            terms.permissions, terms.start ?? "", terms.expiry, canonicalized, "", terms.ip ?? "", terms.protocols ?? "", terms.version,
            resource, "", "", "", "", "", "", "",
        ]
        let signature = Self.sign(fields.joined(separator: "\n"), key: key)
        return Self.items(terms, extra: [("sr", resource)], signature: signature)
    }

    /// An account SAS: `services` (`b` for blobs), `resourceTypes` (`s` service, `c` container, `o` object).
    public static func account(account: String, key: [UInt8], services: String, resourceTypes: String, terms: Terms) -> [(name: String, value: String)] {
        let fields = [
            account, terms.permissions, services, resourceTypes, terms.start ?? "", terms.expiry, terms.ip ?? "", terms.protocols ?? "",
            terms.version, "",
        ]
        let signature = Self.sign(fields.joined(separator: "\n") + "\n", key: key)
        return Self.items(terms, extra: [("ss", services), ("srt", resourceTypes)], signature: signature)
    }

    /// The token: the parameters percent-encoded and joined with `&`.
    public static func token(_ items: [(name: String, value: String)]) -> String {
        items.map { "\($0.name)=\(BlobPath.encodeQueryValue($0.value))" }.joined(separator: "&")
    }

    private static func items(_ terms: Terms, extra: [(String, String)], signature: String) -> [(name: String, value: String)] {
        var items: [(name: String, value: String)] = [("sv", terms.version)]
        items += extra.map { (name: $0.0, value: $0.1) }
        if let start = terms.start { items.append(("st", start)) }
        items.append(("se", terms.expiry))
        items.append(("sp", terms.permissions))
        if let ip = terms.ip { items.append(("sip", ip)) }
        if let protocols = terms.protocols { items.append(("spr", protocols)) }
        items.append(("sig", signature))
        return items
    }

    private static func sign(_ text: String, key: [UInt8]) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: Array(text.utf8), using: SymmetricKey(data: key))).base64EncodedString()
    }
}
