import EventStoreCore
import Foundation
import Testing

@testable import WebhookCallbacks

@Suite struct WebhookSignatureTests {
    /// The test vector published with the Standard Webhooks specification (and its reference libraries).
    @Test func matchesTheSpecificationsTestVector() throws {
        let secret = try #require(Data(base64Encoded: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        let signature = WebhookSignature.sign(
            messageID: "msg_p5jXN8AQM9LWM0D4loKWxJek",
            timestamp: 1_614_265_330,
            body: Array(#"{"test": 2432232314}"#.utf8),
            secret: SigningSecret(bytes: Array(secret))
        )
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    }

    @Test func secretsAreShownInTheStandardForm() throws {
        let secret = SigningSecret.generate()
        let text = secret.description
        #expect(text.hasPrefix("whsec_"))
        #expect(Data(base64Encoded: String(text.dropFirst(6))).map(Array.init) == secret.bytes)
        #expect(secret.bytes.count == 24)
        #expect(SigningSecret.generate() != secret)
    }
}

@Suite struct RetryAfterTests {
    let now = Date(timeIntervalSince1970: 784_111_777)  // Sun, 06 Nov 1994 08:49:37 GMT

    @Test func readsSeconds() {
        #expect(RetryAfter.parse("120", now: now) == .seconds(120))
        #expect(RetryAfter.parse(" 0 ", now: now) == .zero)
    }

    @Test func readsHTTPDates() {
        #expect(RetryAfter.parse("Sun, 06 Nov 1994 08:50:07 GMT", now: now) == .seconds(30))
        #expect(RetryAfter.parse("Sun, 06 Nov 1994 08:00:00 GMT", now: now) == .zero, "a date in the past means now")
    }

    @Test func refusesAnythingElse() {
        #expect(RetryAfter.parse("-5", now: now) == nil)
        #expect(RetryAfter.parse("soon", now: now) == nil)
        #expect(RetryAfter.parse("", now: now) == nil)
    }
}
