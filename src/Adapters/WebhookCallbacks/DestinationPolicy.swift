import IPAddresses

/// Which hosts and addresses callbacks may be sent to.
///
/// Link-local addresses and the cloud metadata endpoints are always refused. Then a destination is refused when
/// its host name or any of its addresses matches a `deny` rule. Without an `allow` list, only public destinations
/// are called (every address of the host is public, see `IPAddress.isPublic`). With one, a destination is called
/// when its host name matches an `allow` rule or every one of its addresses does: a rule that names a non-public
/// destination admits it, and the rule `public` admits every public address. Rules are host names
/// (`hooks.example.com`), wildcard domains (`*.example.com`: subdomains only), addresses or CIDR blocks
/// (`10.0.0.0/8`, `fd00::/8`), and `public`.
public struct DestinationPolicy: Sendable, Hashable {
    /// One allow or deny rule.
    enum Rule: Sendable, Hashable, CustomStringConvertible {
        case host(String)
        case domain(suffix: String)
        case range(IPAddressRange)
        case publicAddresses

        init?(_ text: String) {
            let rule = text.trimmingWhitespace().lowercased()
            if rule == "public" {
                self = .publicAddresses
            } else if let range = IPAddressRange(rule) {
                self = .range(range)
            } else if rule.hasPrefix("*."), rule.count > 2, !rule.dropFirst(2).contains("*") {
                self = .domain(suffix: String(rule.dropFirst(1)))
            } else if !rule.isEmpty, !rule.contains("*"), !rule.contains("/") {
                self = .host(rule.hasSuffix(".") ? String(rule.dropLast()) : rule)
            } else {
                return nil
            }
        }

        func matches(host: String) -> Bool {
            switch self {
            case .host(let name): host == name
            case .domain(let suffix): host.hasSuffix(suffix)
            case .range, .publicAddresses: false
            }
        }

        func matches(_ address: IPAddress) -> Bool {
            switch self {
            case .range(let range): range.contains(address)
            case .publicAddresses: address.isPublic
            case .host, .domain: false
            }
        }

        var description: String {
            switch self {
            case .host(let name): name
            case .domain(let suffix): "*" + suffix
            case .range(let range): range.description
            case .publicAddresses: "public"
            }
        }
    }

    /// Refused whatever the lists say: link-local (where cloud metadata services live, 169.254.169.254 among them),
    /// and the metadata addresses of clouds that put theirs elsewhere (AWS's IPv6 one, Alibaba's, Google's IPv6 one).
    static let alwaysRefused: [IPAddressRange] = ["169.254.0.0/16", "fe80::/10", "fd00:ec2::254", "100.100.100.200", "fd20:ce::254"]
        .compactMap(IPAddressRange.init)

    let allow: [Rule]
    let deny: [Rule]

    /// - Throws: `DestinationPolicyError` naming a rule that is neither a host, a `*.domain`, an address nor a CIDR.
    public init(allow: [String] = [], deny: [String] = []) throws {
        func parse(_ rules: [String]) throws -> [Rule] {
            try rules.map { text in
                guard let rule = Rule(text) else { throw DestinationPolicyError(rule: text) }
                return rule
            }
        }
        self.allow = try parse(allow)
        self.deny = try parse(deny)
    }

    /// Why a destination is refused; nil when it may be called.
    /// - Parameters:
    ///   - host: the URL's host, lowercased, without brackets.
    ///   - addresses: what the host resolved to (the address itself for a literal).
    func refusal(host: String, addresses: [IPAddress]) -> String? {
        let host = host.hasSuffix(".") ? String(host.dropLast()) : host
        guard !addresses.isEmpty else { return "host '\(host)' does not resolve" }
        for address in addresses where Self.alwaysRefused.contains(where: { $0.contains(address) }) {
            return "address \(address) of '\(host)' is link-local or a cloud metadata address, which is never allowed"
        }
        if let rule = self.deny.first(where: { $0.matches(host: host) }) {
            return "host '\(host)' is denied by the rule '\(rule)'"
        }
        for address in addresses {
            if let rule = self.deny.first(where: { $0.matches(address) }) {
                return "address \(address) of '\(host)' is denied by the rule '\(rule)'"
            }
        }
        guard !self.allow.isEmpty else {
            for address in addresses where !address.isPublic {
                return "address \(address) of '\(host)' is not public; only public destinations are called unless --webhook-allow admits others"
            }
            return nil
        }
        guard !self.allow.contains(where: { $0.matches(host: host) }) else { return nil }
        for address in addresses where !self.allow.contains(where: { $0.matches(address) }) {
            return "address \(address) of '\(host)' is not in the allow list"
        }
        return nil
    }
}

/// An allow or deny rule that cannot be understood.
public struct DestinationPolicyError: Error, CustomStringConvertible {
    public var rule: String

    public var description: String {
        "callback rule '\(self.rule)' is not a host name, a *.domain, an IP address, a CIDR block or 'public'"
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        String(self.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
