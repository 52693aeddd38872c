import IPAddresses

/// Which PostgreSQL servers a client may name in a topic's `connection`, checked before anything connects.
///
/// A client-chosen connection would otherwise make the server connect anywhere with the operator's ambient
/// credentials (`~/.pgpass`, `PGPASSWORD`, Unix-socket peer authentication). So:
/// - with an allow list, every host of the connection must match a rule: `host[:port]` (a name, compared without
///   case; an address or CIDR block, compared with the literal address the connection names, `hostaddr` first),
///   `[v6]:port`, or a Unix-socket directory (`/var/run/postgresql`). Names are not resolved: a CIDR rule admits
///   only connections that name an address;
/// - without one, any host reachable over TCP is allowed, and only trusted callers should create topics;
/// - Unix sockets (a `host` that is a path, or no host at all) are refused unless a rule names the directory;
/// - options that read the server's own files (`passfile`, `service`, `servicefile`, `sslkey`, `sslcert`,
///   `sslrootcert`, `sslcrl`, `sslcrldir`, `sslkeylogfile`) are refused unless the operator allows client files;
///   options this policy does not know are refused (an allow list, so a newer libpq's options stay closed);
/// - `hostaddr` must equal its `host` when both are given: libpq picks a `~/.pgpass` password by `host` and sends
///   it to `hostaddr`;
/// - at most 8 hosts, and `connect_timeout` from 1 to 60 seconds (0 would wait forever).
public struct PostgresServerPolicy: Sendable {
    enum Rule: Sendable, Equatable {
        case host(String, port: Int?)
        case addresses(IPAddressRange, port: Int?)
        case socketDirectory(String)
    }

    static let fileKeywords: Set<String> = [
        "passfile", "service", "servicefile", "sslkey", "sslcert", "sslrootcert", "sslcrl", "sslcrldir", "sslkeylogfile",
    ]
    /// The other options a client may set.
    static let clientKeywords: Set<String> = [
        "host", "hostaddr", "port", "dbname", "user", "password", "connect_timeout", "client_encoding", "options", "application_name",
        "fallback_application_name", "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout",
        "sslmode", "sslcompression", "sslsni", "ssl_min_protocol_version", "ssl_max_protocol_version", "gssencmode", "channel_binding",
        "require_auth", "target_session_attrs", "load_balance_hosts", "sslnegotiation",
    ]
    static let maximumHosts = 8

    let allow: [Rule]
    let allowsClientFiles: Bool

    /// Allows every server reachable over TCP, no Unix socket and no client files.
    public static let unrestricted = PostgresServerPolicy(rules: [], allowsClientFiles: false)

    /// - Parameters:
    ///   - allow: rules as described on the type; empty allows any TCP host.
    ///   - allowsClientFiles: whether connections may name files on this server (`passfile`, `sslkey`, ...).
    /// - Throws: `PostgresServerPolicyError` naming a rule that cannot be read.
    public init(allow: [String], allowsClientFiles: Bool = false) throws {
        self.init(
            rules: try allow.map { text in
                guard let rule = Self.rule(text) else { throw PostgresServerPolicyError(rule: text) }
                return rule
            },
            allowsClientFiles: allowsClientFiles
        )
    }

    private init(rules: [Rule], allowsClientFiles: Bool) {
        self.allow = rules
        self.allowsClientFiles = allowsClientFiles
    }

    private static func rule(_ text: String) -> Rule? {
        let rule = text.trimmingSpaces()
        if rule.hasPrefix("/") {
            return .socketDirectory(Self.directory(rule))
        }
        guard let (host, port) = HostPortRule.split(rule) else { return nil }
        if let range = IPAddressRange(String(host)) { return .addresses(range, port: port) }
        guard !host.contains("/"), !host.contains("*"), !host.contains(" ") else { return nil }
        return .host(Self.hostName(host), port: port)
    }

    /// Why `connection` may not be used; nil when it may.
    func refusal(_ connection: PGConnInfo) -> String? {
        for keyword in connection.options.map(\.keyword) where !Self.clientKeywords.contains(keyword) {
            guard Self.fileKeywords.contains(keyword) else { return "connection option '\(keyword)' is not allowed" }
            if !self.allowsClientFiles {
                return "connection may not name files of this server ('\(keyword)'); the operator allows them with --postgres-allow-client-files"
            }
        }
        if let timeout = connection["connect_timeout"], !(Int(timeout).map { (1...60).contains($0) } ?? false) {
            return "connect_timeout must be from 1 to 60 seconds"
        }
        let hosts = Self.list(connection["host"])
        let addresses = Self.list(connection["hostaddr"])
        let ports = Self.list(connection["port"])
        let count = max(hosts.count, addresses.count, 1)
        guard count <= Self.maximumHosts else { return "connection names more than \(Self.maximumHosts) hosts" }
        for index in 0..<count {
            let host = index < hosts.count ? hosts[index] : ""
            let address = index < addresses.count ? addresses[index] : ""
            if !host.isEmpty, !address.isEmpty, IPAddress(host) != IPAddress(address) || IPAddress(address) == nil {
                return "hostaddr must be the address host names (a password for host would be sent to hostaddr)"
            }
            let portText = ports.count == 1 ? ports[0] : (index < ports.count ? ports[index] : "")
            let port = portText.isEmpty ? 5432 : Int(portText) ?? -1
            if address.isEmpty, host.isEmpty || host.hasPrefix("/") || host.hasPrefix("@") {
                let directory = host.isEmpty ? nil : Self.directory(host)
                guard let directory, self.allow.contains(.socketDirectory(directory)) else {
                    return host.isEmpty
                        ? "connection must name a host: a Unix socket is only used when --postgres-allow names its directory"
                        : "the Unix socket directory of connection is not allowed (see --postgres-allow)"
                }
                continue
            }
            guard !self.allow.isEmpty else { continue }
            guard self.allows(host: host, address: address, port: port) else {
                return "connection names a PostgreSQL server that is not allowed (see --postgres-allow)"
            }
        }
        return nil
    }

    private func allows(host: String, address: String, port: Int) -> Bool {
        let literal = IPAddress(address.isEmpty ? host : address)
        let name = Self.hostName(Substring(host))
        return self.allow.contains { rule in
            switch rule {
            case .host(let allowed, let allowedPort):
                return address.isEmpty && allowed == name && (allowedPort == nil || allowedPort == port)
            case .addresses(let range, let allowedPort):
                return literal.map(range.contains) == true && (allowedPort == nil || allowedPort == port)
            case .socketDirectory:
                return false
            }
        }
    }

    private static func list(_ value: String?) -> [String] {
        guard let value, !value.isEmpty else { return [] }
        return value.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingSpaces() }
    }

    private static func hostName(_ host: Substring) -> String {
        let lowered = host.lowercased()
        return lowered.hasSuffix(".") ? String(lowered.dropLast()) : lowered
    }

    private static func directory(_ path: String) -> String {
        var path = path
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        return path
    }
}

/// A `--postgres-allow` rule that cannot be understood.
public struct PostgresServerPolicyError: Error, CustomStringConvertible {
    public var rule: String

    public var description: String {
        "PostgreSQL allow rule '\(self.rule)' is not a host[:port], an address or CIDR block[:port], [v6]:port or a socket directory"
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        String(self.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
