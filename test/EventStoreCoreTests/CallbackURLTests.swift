import EventStoreCore
import Testing

@Suite struct CallbackURLTests {
    @Test func acceptsHTTPAndHTTPSURLs() throws {
        #expect(try CallbackURL("https://Hooks.Example.com/in?x=1").host == "hooks.example.com")
        #expect(try CallbackURL("http://127.0.0.1:9000/h").host == "127.0.0.1")
        #expect(try CallbackURL("http://[2001:db8::1]:8080/h").host == "2001:db8::1", "IPv6 hosts lose their brackets")
    }

    @Test func refusesEverythingElseSayingWhy() {
        let cases = [
            ("hooks.example.com/in", "absolute http or https URL"),
            ("file:///etc/passwd", "must use http or https"),
            ("gopher://example.com/", "must use http or https"),
            ("http://user@example.com/", "must not carry credentials"),
            ("http://user:pw@example.com/", "must not carry credentials"),
            ("http://example.com/#top", "must not have a fragment"),
            ("http:///path", "must name a host"),
            ("http://example.com/" + String(repeating: "a", count: 2048), "longer than 2048 bytes"),
            ("http://example.com/\r\nX-Injected: 1", "control characters"),
            ("http://example.com/a\nb", "control characters"),
            ("http://example.com/\u{0}", "control characters"),
            ("http://example.com/\u{7F}", "control characters"),
            ("http://exa%0d%0ample.com/", "control characters"),
        ]
        for (text, reason) in cases {
            do {
                _ = try CallbackURL(text)
                Issue.record("\(text) was accepted")
            } catch {
                #expect(error.code == .invalidArgument)
                #expect(error.message.contains(reason), "\(text): \(error.message)")
            }
        }
    }

    @Test func listingsMaskTheQueryString() throws {
        #expect(try CallbackURL("https://hooks.example.com/in?token=s3cret&x=1").masked == "https://hooks.example.com/in?***")
        #expect(try CallbackURL("https://hooks.example.com/in").masked == "https://hooks.example.com/in")
    }
}
