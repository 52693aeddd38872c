/// A CIDR block such as `10.0.0.0/8` or `fe80::/10`; a bare address is a block of one.
public struct IPAddressRange: Sendable, Hashable, CustomStringConvertible {
    public let network: IPAddress
    public let prefixLength: Int

    /// Parses `address/prefix` or a bare address; nil when it is neither.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(String(parts[0])) else { return nil }
        // An IPv4-mapped block is written in IPv6 bits; the address it maps to is IPv4.
        let mapped = parts[0].contains(":") && address.isIPv4
        let width = address.bytes.count * 8
        var length = width
        if parts.count == 2 {
            // A mapped block shorter than /96 would reach past the IPv4 part: it is no IPv4 block.
            guard let parsed = Int(parts[1]), parsed >= (mapped ? 96 : 0), parsed <= (mapped ? 128 : width) else { return nil }
            length = mapped ? max(0, parsed - 96) : parsed
        }
        self.network = address
        self.prefixLength = length
    }

    /// Whether `address` lies in the block. Addresses of the other family never do.
    public func contains(_ address: IPAddress) -> Bool {
        guard address.bytes.count == self.network.bytes.count else { return false }
        var remaining = self.prefixLength
        for index in address.bytes.indices where remaining > 0 {
            let bits = min(remaining, 8)
            let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
            if address.bytes[index] & mask != self.network.bytes[index] & mask { return false }
            remaining -= bits
        }
        return true
    }

    public var description: String { "\(self.network)/\(self.prefixLength)" }
}
