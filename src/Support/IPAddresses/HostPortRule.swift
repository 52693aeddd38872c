/// The `host[:port]` form of the operator's allow rules (`--postgres-allow`, `--blob-allow`): a name or address,
/// `[v6]` in brackets when a port follows, and an optional port from 1 to 65535.
public enum HostPortRule {
    /// The host and port of `rule`, or nil when it is not of that form. A bare IPv6 address (several colons) is a
    /// host without a port.
    public static func split(_ rule: String) -> (host: Substring, port: Int?)? {
        var host = Substring(rule)
        var port: Int?
        if rule.hasPrefix("["), let close = rule.firstIndex(of: "]") {
            host = rule[rule.index(after: rule.startIndex)..<close]
            let rest = rule[rule.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let number = Int(rest.dropFirst()), (1...65535).contains(number) else { return nil }
                port = number
            }
        } else if rule.filter({ $0 == ":" }).count == 1, let colon = rule.lastIndex(of: ":") {
            guard let number = Int(rule[rule.index(after: colon)...]), (1...65535).contains(number) else { return nil }
            host = rule[..<colon]
            port = number
        }
        guard !host.isEmpty else { return nil }
        return (host, port)
    }
}
