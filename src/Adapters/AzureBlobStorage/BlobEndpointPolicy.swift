import IPAddresses

/// Which Blob endpoints a client may name in a topic's `connection`, checked before anything connects.
///
/// - With an allow list (`--blob-allow`), the endpoint's host must match a rule: `host[:port]` (a name, compared
///   without case), an address or CIDR block (compared with an endpoint that names an address), `[v6]:port`. Names
///   are not resolved: a CIDR rule admits only endpoints that name an address.
/// - Without one, any endpoint is allowed, and only trusted callers should create topics.
/// - Link-local addresses (169.254.0.0/16, fe80::/10, where cloud metadata services answer) and the metadata names
///   and addresses of the large clouds are always refused, allow list or not.
public struct BlobEndpointPolicy: Sendable {
    enum Rule: Sendable, Equatable {
        case host(String, port: Int?)
        case addresses(IPAddressRange, port: Int?)
    }

    let allow: [Rule]

    /// Allows every endpoint but the always-refused ones.
    public static let unrestricted = BlobEndpointPolicy(rules: [])

    static let refusedRanges = ["169.254.0.0/16", "fe80::/10", "100.100.100.200/32", "fd00:ec2::254/128"].compactMap(IPAddressRange.init)
    static let refusedNames: Set<String> = ["metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal"]

    /// - Throws: `BlobEndpointPolicyError` naming a rule that cannot be read.
    public init(allow: [String]) throws {
        self.init(
            rules: try allow.map { text in
                guard let rule = Self.rule(text) else { throw BlobEndpointPolicyError(rule: text) }
                return rule
            }
        )
    }

    private init(rules: [Rule]) {
        self.allow = rules
    }

    private static func rule(_ text: String) -> Rule? {
        guard let (host, port) = HostPortRule.split(text.trimmingSpace) else { return nil }
        if let range = IPAddressRange(String(host)) { return .addresses(range, port: port) }
        guard host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }) else { return nil }
        return .host(host.lowercased(), port: port)
    }

    /// Whether `address` is one no endpoint may reach, whatever names it: link-local, a metadata service's, or one
    /// of those mapped into IPv6 (`::ffff:169.254.169.254`). Checked again on every connection libcurl opens, after
    /// name resolution.
    static func isAlwaysRefused(_ address: IPAddress) -> Bool {
        let bytes = address.bytes
        if bytes.count == 16, bytes[0..<10].allSatisfy({ $0 == 0 }), bytes[10] == 0xFF, bytes[11] == 0xFF {
            return Self.isAlwaysRefused(IPAddress(bytes: Array(bytes[12...])))
        }
        return Self.refusedRanges.contains { $0.contains(address) }
    }

    /// Why `account`'s endpoint may not be used; nil when it may.
    func refusal(_ account: BlobAccount) -> String? {
        let host = account.host.lowercased()
        let port = account.port ?? (account.scheme == "https" ? 443 : 80)
        let address = IPAddress(host)
        if let address, Self.isAlwaysRefused(address) {
            return "the Blob endpoint is a link-local or metadata address, which is never allowed"
        }
        if Self.refusedNames.contains(host.hasSuffix(".") ? String(host.dropLast()) : host) {
            return "the Blob endpoint is a cloud metadata service, which is never allowed"
        }
        guard !self.allow.isEmpty else { return nil }
        let allowed = self.allow.contains { rule in
            switch rule {
            case .host(let name, let rulePort): address == nil && name == host && (rulePort == nil || rulePort == port)
            case .addresses(let range, let rulePort): address.map(range.contains) == true && (rulePort == nil || rulePort == port)
            }
        }
        return allowed ? nil : "the Blob endpoint \(account.authority) is not allowed (see --blob-allow)"
    }
}

/// An allow rule that cannot be read.
public struct BlobEndpointPolicyError: Error, Sendable, CustomStringConvertible {
    public let rule: String

    public var description: String { "--blob-allow rule '\(self.rule.prefix(200))' is not host[:port], [v6]:port, an address or a CIDR block" }
}
