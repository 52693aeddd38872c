import IPAddresses
import Testing

@testable import WebhookCallbacks

@Suite struct IPAddressRangeTests {
    @Test func containsAddressesOfItsBlockOnly() throws {
        let private10 = try #require(IPAddressRange("10.0.0.0/8"))
        #expect(private10.contains(try #require(IPAddress("10.255.0.1"))))
        #expect(!private10.contains(try #require(IPAddress("11.0.0.1"))))
        #expect(!private10.contains(try #require(IPAddress("::1"))), "another family never matches")
        let linkLocal6 = try #require(IPAddressRange("fe80::/10"))
        #expect(linkLocal6.contains(try #require(IPAddress("febf::1"))))
        #expect(!linkLocal6.contains(try #require(IPAddress("fec0::1"))))
        let single = try #require(IPAddressRange("192.0.2.7"))
        #expect(single.prefixLength == 32)
        #expect(single.contains(try #require(IPAddress("192.0.2.7"))))
        let odd = try #require(IPAddressRange("172.16.0.0/12"))
        #expect(odd.contains(try #require(IPAddress("172.31.255.255"))))
        #expect(!odd.contains(try #require(IPAddress("172.32.0.0"))))
    }

    @Test func ipv4MappedAddressesAreTheirIPv4Address() throws {
        let mapped = try #require(IPAddress("::ffff:169.254.169.254"))
        #expect(mapped.isIPv4 && mapped.description == "169.254.169.254")
        #expect(try #require(IPAddressRange("::ffff:10.0.0.0/104")).contains(try #require(IPAddress("10.1.2.3"))))
    }

    @Test func refusesWhatIsNotABlock() {
        for text in ["10.0.0.0/33", "10.0.0/8", "example.com", "::/129", "10.0.0.0/-1", "10.0.0.0/x", ""] {
            #expect(IPAddressRange(text) == nil, "\(text)")
        }
    }
}

@Suite struct DestinationPolicyTests {
    func address(_ text: String) -> IPAddress { IPAddress(text)! }

    @Test func linkLocalAndMetadataAddressesAreAlwaysRefused() throws {
        let openPolicy = try DestinationPolicy(allow: ["0.0.0.0/0", "::/0", "100.100.100.200", "fd20:ce::254"])
        for literal in ["169.254.169.254", "169.254.0.1", "fe80::1", "fd00:ec2::254", "::ffff:169.254.169.254", "100.100.100.200", "fd20:ce::254"] {
            let refusal = openPolicy.refusal(host: literal, addresses: [address(literal)])
            #expect(refusal?.contains("never allowed") == true, "\(literal): \(refusal ?? "allowed")")
        }
        // A friendly name resolving to the metadata address is refused the same way.
        #expect(openPolicy.refusal(host: "hooks.example.com", addresses: [address("93.184.216.34"), address("169.254.169.254")]) != nil)
    }

    /// By default only public destinations: every block a server reaches but the internet does not is refused,
    /// in each of its spellings.
    @Test(arguments: [
        "127.0.0.1", "127.1.2.3", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "100.64.0.1", "100.127.255.254", "0.0.0.0",
        "0.1.2.3", "192.0.2.1", "198.18.0.1", "224.0.0.1", "255.255.255.255", "::", "::1", "::127.0.0.1", "::ffff:127.0.0.1", "::ffff:10.0.0.1",
        "64:ff9b::7f00:1", "64:ff9b::a00:1", "2002:7f00:1::1", "2001:0:4136:e378::1", "fd00::1", "fc00::1", "ff02::1", "2001:db8::1",
    ])
    func withoutAnAllowListOnlyPublicDestinationsAreCalled(_ literal: String) throws {
        let refusal = try DestinationPolicy().refusal(host: literal, addresses: [address(literal)])
        #expect(refusal != nil, "\(literal) was allowed")
    }

    @Test func publicDestinationsAreCalledByDefault() throws {
        let policy = try DestinationPolicy()
        #expect(policy.refusal(host: "hooks.example.com", addresses: [address("93.184.216.34")]) == nil)
        #expect(policy.refusal(host: "hooks.example.com", addresses: [address("2606:2800:220:1:248:1893:25c8:1946")]) == nil)
        #expect(policy.refusal(host: "nowhere.invalid", addresses: []) == "host 'nowhere.invalid' does not resolve")
        #expect(
            policy.refusal(host: "rebound.example", addresses: [address("93.184.216.34"), address("10.0.0.1")])?.contains("not public") == true,
            "every address must be public"
        )
    }

    @Test func anAllowRuleNamingANonPublicDestinationAdmitsIt() throws {
        let local = try DestinationPolicy(allow: ["127.0.0.1"])
        #expect(local.refusal(host: "127.0.0.1", addresses: [address("127.0.0.1")]) == nil)
        #expect(local.refusal(host: "hooks.example.com", addresses: [address("93.184.216.34")]) != nil, "only what it names")
        let oneInternal = try DestinationPolicy(allow: ["public", "10.1.2.3"])
        #expect(oneInternal.refusal(host: "10.1.2.3", addresses: [address("10.1.2.3")]) == nil)
        #expect(oneInternal.refusal(host: "hooks.example.com", addresses: [address("93.184.216.34")]) == nil)
        #expect(oneInternal.refusal(host: "10.1.2.4", addresses: [address("10.1.2.4")])?.contains("not in the allow list") == true)
        #expect(oneInternal.refusal(host: "::", addresses: [address("::")]) != nil)
    }

    @Test func denyRulesMatchHostsDomainsAndAddresses() throws {
        let policy = try DestinationPolicy(deny: ["internal.example.com", "*.corp.example", "10.0.0.0/8", "::1"])
        #expect(policy.refusal(host: "internal.example.com", addresses: [address("93.184.216.34")])?.contains("denied") == true)
        #expect(policy.refusal(host: "a.b.corp.example", addresses: [address("93.184.216.34")])?.contains("denied") == true)
        #expect(policy.refusal(host: "corp.example", addresses: [address("93.184.216.34")]) == nil, "*.domain matches subdomains only")
        #expect(policy.refusal(host: "db.example.com", addresses: [address("10.1.2.3")])?.contains("10.0.0.0/8") == true)
        #expect(policy.refusal(host: "::1", addresses: [address("::1")]) != nil)
        #expect(policy.refusal(host: "hooks.example.com", addresses: [address("93.184.216.34")]) == nil)
    }

    @Test func anAllowListAdmitsOnlyWhatItNames() throws {
        let policy = try DestinationPolicy(allow: ["hooks.example.com", "*.partner.example", "203.0.113.0/24"], deny: ["bad.partner.example"])
        #expect(policy.refusal(host: "hooks.example.com", addresses: [address("93.184.216.34")]) == nil)
        #expect(policy.refusal(host: "eu.partner.example", addresses: [address("198.51.100.1")]) == nil)
        #expect(policy.refusal(host: "bad.partner.example", addresses: [address("198.51.100.1")]) != nil, "deny wins over allow")
        #expect(policy.refusal(host: "203.0.113.9", addresses: [address("203.0.113.9")]) == nil)
        #expect(
            policy.refusal(host: "mixed.example", addresses: [address("203.0.113.9"), address("192.0.2.1")])?.contains("not in the allow list")
                == true
        )
        #expect(policy.refusal(host: "127.0.0.1", addresses: [address("127.0.0.1")]) != nil)
    }

    @Test func unreadableRulesAreRefusedAtStartup() {
        for rule in ["*", "a*.example.com", "10.0.0.0/99", "http://x/", ""] {
            #expect(throws: DestinationPolicyError.self, "\(rule)") { try DestinationPolicy(deny: [rule]) }
        }
    }
}
