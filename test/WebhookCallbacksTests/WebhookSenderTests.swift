import AsyncHTTPClient
import EventStoreCore
import EventStoreTesting
import Foundation
import NIOPosix
import Testing

@testable import WebhookCallbacks

@Suite struct WebhookSenderTests {
    static let threadPool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        return pool
    }()

    /// A sender that may call the canned servers on 127.0.0.1 (loopback is not public: it must be admitted).
    func sender(deny: [String]) throws -> WebhookSender {
        WebhookSender(policy: try DestinationPolicy(allow: ["127.0.0.1"], deny: deny), threadPool: Self.threadPool, userAgent: "test")
    }

    @Test func aRefusedDestinationIsACallbackRefusedError() async throws {
        let sender = try sender(deny: ["127.0.0.0/8"])
        do {
            try await sender.checkDestination(try CallbackURL("http://127.0.0.1:9/hook"), logger: quietLogger)
            Issue.record("a denied destination was accepted")
        } catch {
            #expect(error.code == .callbackRefused)
            #expect(error.message == "callback_url is refused: address 127.0.0.1 of '127.0.0.1' is denied by the rule '127.0.0.0/8'")
        }
    }

    /// A destination that became forbidden after subscribing (a policy or DNS change) fails each attempt unsent.
    @Test func aDeliveryToARefusedDestinationFailsWithoutSending() async throws {
        let sender = try sender(deny: ["127.0.0.0/8"])
        let callback = Callback(
            messageID: "msg_1",
            subscriptionID: SubscriptionID(),
            topic: try TopicName("orders"),
            url: try CallbackURL("http://127.0.0.1:9/hook"),
            secret: .generate(),
            events: [Event(id: UUID(), offset: 0, type: "A", key: nil, tags: [], data: .null, metadata: [:], timestamp: Date())],
            nextOffset: 1,
            timeout: .seconds(1)
        )
        let outcome = await sender.deliver(callback, logger: quietLogger)
        #expect(
            outcome == .failed(reason: "destination refused: address 127.0.0.1 of '127.0.0.1' is denied by the rule '127.0.0.0/8'", retryAfter: nil)
        )
    }

    func callback(port: Int, host: String = "127.0.0.1", timeout: Duration = .seconds(5)) throws -> Callback {
        Callback(
            messageID: "msg_1",
            subscriptionID: SubscriptionID(),
            topic: try TopicName("orders"),
            url: try CallbackURL("http://\(host):\(port)/hook"),
            secret: .generate(),
            events: [Event(id: UUID(), offset: 0, type: "A", key: nil, tags: [], data: .null, metadata: [:], timestamp: Date())],
            nextOffset: 1,
            timeout: timeout
        )
    }

    func outcome(answer: String, closeAfterAnswer: Bool = false, timeout: Duration = .seconds(5)) async throws -> CallbackOutcome {
        let receiver = try await CannedHTTPServer(answer: answer, closeAfterAnswer: closeAfterAnswer)
        let sender = try sender(deny: [])
        let outcome = await sender.deliver(try callback(port: receiver.port, timeout: timeout), logger: quietLogger)
        try await receiver.close()
        return outcome
    }

    @Test func aLargeAnswerBodyDoesNotFailTheDelivery() async throws {
        let body = String(repeating: "x", count: 4 << 20)
        #expect(try await outcome(answer: "HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)") == .delivered)
    }

    @Test func retryAfterOnA503IsPassedOn() async throws {
        let answer = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 7\r\nContent-Length: 0\r\n\r\n"
        #expect(try await outcome(answer: answer) == .failed(reason: "the receiver answered 503", retryAfter: .seconds(7)))
    }

    /// A 429 with `Retry-After` as an HTTP date (IMF-fixdate) is passed on as the time left until that date.
    @Test func retryAfterAsAnHTTPDateOnA429IsPassedOn() async throws {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let date = formatter.string(from: Date().addingTimeInterval(120))
        let answer = "HTTP/1.1 429 Too Many Requests\r\nRetry-After: \(date)\r\nContent-Length: 0\r\n\r\n"
        guard case .failed(let reason, let retryAfter?) = try await outcome(answer: answer) else {
            Issue.record("no Retry-After was passed on for \(date)")
            return
        }
        #expect(reason == "the receiver answered 429")
        #expect(retryAfter > .seconds(60) && retryAfter <= .seconds(121), "\(retryAfter) for \(date)")
    }

    @Test func aGoneAnswerEndsAndARedirectIsNotFollowed() async throws {
        #expect(try await outcome(answer: "HTTP/1.1 410 Gone\r\nContent-Length: 0\r\n\r\n") == .gone)
        let redirect = "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:9/elsewhere\r\nContent-Length: 0\r\n\r\n"
        #expect(
            try await outcome(answer: redirect)
                == .failed(reason: "the receiver answered 307, a redirect, which is not followed", retryAfter: nil)
        )
    }

    @Test func aConnectionClosedWithoutAnAnswerFails() async throws {
        #expect(
            try await outcome(answer: "", closeAfterAnswer: true)
                == .failed(reason: "the connection was closed before an answer", retryAfter: nil)
        )
    }

    /// The timeout covers the whole answer: a receiver that sends its head and then stalls its body fails the attempt.
    @Test func anAnswerWhoseBodyStallsTimesOut() async throws {
        let started = ContinuousClock.now
        let outcome = try await outcome(answer: "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nonly this", timeout: .milliseconds(300))
        #expect(outcome == .failed(reason: "no answer within 0.3 seconds", retryAfter: nil))
        #expect(ContinuousClock.now - started < .seconds(20), "ended by the callback's timeout")
    }

    /// AsyncHTTPClient finishes a request only after its head, so this cannot be reached over a socket: a delegate
    /// asked for an answer it never got reports the connection closed, never an empty answer.
    @Test func anExchangeEndedWithoutAHeadIsAConnectionClosed() {
        #expect(throws: HTTPClientError.remoteConnectionClosed) { try ResponseHeadDelegate().receivedHead() }
    }

    /// A literal address fails with the socket's error; a name, through NIO's happy-eyeballs connector, with a
    /// connection error listing each address tried. Both read as a refusal.
    @Test(arguments: ["127.0.0.1", "localhost"])
    func nothingListeningIsAConnectionRefused(host: String) async throws {
        let sender = try sender(deny: [])
        let outcome = await sender.deliver(try callback(port: try LoopbackPort.free(), host: host), logger: quietLogger)
        #expect(outcome == .failed(reason: "connection refused", retryAfter: nil))
    }
}
