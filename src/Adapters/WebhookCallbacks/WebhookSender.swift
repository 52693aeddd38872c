import AsyncHTTPClient
import EventJSON
public import EventStoreCore
import Foundation
public import Logging
import NIOCore
import NIOHTTP1
public import NIOPosix

/// Delivers callbacks as signed HTTP POSTs (Standard Webhooks) with AsyncHTTPClient, on the server's event loops.
///
/// Before every attempt the destination is resolved and checked against the `DestinationPolicy`, so a host that
/// starts resolving to a forbidden address is caught. Redirects are never followed: a 3xx is a failed attempt.
/// A failed connection fails the attempt at once; retrying is the subscription's business, with its backoff.
public final class WebhookSender: CallbackSender {
    private let policy: DestinationPolicy
    private let resolver: HostResolver
    private let client: HTTPClient
    private let userAgent: String
    private let renderedEvents = RenderedEventCache(capacityBytes: 64 << 20)

    /// - Parameters:
    ///   - policy: which destinations may be called.
    ///   - threadPool: runs host name lookups, which block.
    ///   - maxConnectionsPerHost: connections kept to one receiver host (one callback is in flight per subscription).
    ///   - userAgent: the `User-Agent` header of callbacks.
    public init(policy: DestinationPolicy, threadPool: NIOThreadPool, maxConnectionsPerHost: Int = 1000, userAgent: String) {
        self.policy = policy
        self.resolver = HostResolver(threadPool: threadPool)
        self.userAgent = userAgent
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.decompression = .disabled
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: maxConnectionsPerHost)
        configuration.connectionPool.retryConnectionEstablishment = false
        self.client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
    }

    /// Closes the HTTP client's connections: what its owner calls at shutdown, once nothing delivers any more.
    public func shutdown() async throws {
        try await self.client.shutdown()
    }

    deinit {
        // A sender dropped without ``shutdown()`` (tests) still closes its client; after it, this does nothing.
        self.client.shutdown { _ in }
    }

    public func checkDestination(_ url: CallbackURL, logger: Logger) async throws(EventStoreError) {
        if let refusal = await self.refusal(url) {
            throw EventStoreError(.callbackRefused, "callback_url is refused: \(refusal)")
        }
    }

    public func deliver(_ callback: Callback, logger: Logger) async -> CallbackOutcome {
        if let refusal = await self.refusal(callback.url) {
            return .failed(reason: "destination refused: \(refusal)", retryAfter: nil)
        }
        var writer = JSONWriter(capacity: 128 + 400 * callback.events.count)
        writer.callback(callback, cache: self.renderedEvents)
        let body = writer.bytes
        let timestamp = Int64(Date().timeIntervalSince1970)
        let headers: HTTPHeaders = [
            "Content-Type": "application/json",
            "User-Agent": self.userAgent,
            "webhook-id": callback.messageID,
            "webhook-timestamp": String(timestamp),
            "webhook-signature": WebhookSignature.sign(messageID: callback.messageID, timestamp: timestamp, body: body, secret: callback.secret),
        ]

        let answer: HTTPResponseHead
        do {
            let request = try HTTPClient.Request(url: callback.url.url, method: .POST, headers: headers, body: .byteBuffer(ByteBuffer(bytes: body)))
            let task = self.client.execute(
                request: request,
                delegate: ResponseHeadDelegate(),
                deadline: .now() + TimeAmount(callback.timeout),
                logger: logger
            )
            answer = try await withTaskCancellationHandler {
                try await task.futureResult.get()
            } onCancel: {
                task.cancel()
            }
        } catch {
            return .failed(reason: Self.describe(error, timeout: callback.timeout), retryAfter: nil)
        }
        let status = Int(answer.status.code)
        switch status {
        case 200..<300:
            return .delivered
        case 410:
            return .gone
        case 300..<400:
            return .failed(reason: "the receiver answered \(status), a redirect, which is not followed", retryAfter: nil)
        case 429, 503:
            let retryAfter = answer.headers.first(name: "Retry-After").flatMap { RetryAfter.parse($0, now: Date()) }
            return .failed(reason: "the receiver answered \(status)", retryAfter: retryAfter)
        default:
            return .failed(reason: "the receiver answered \(status)", retryAfter: nil)
        }
    }

    private func refusal(_ url: CallbackURL) async -> String? {
        self.policy.refusal(host: url.host, addresses: await self.resolver.addresses(of: url.host))
    }

    private static func describe(_ error: any Error, timeout: Duration) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .connectTimeout, .readTimeout, .writeTimeout, .tlsHandshakeTimeout:
                return "no answer within \(timeout)"
            case .remoteConnectionClosed:
                return "the connection was closed before an answer"
            case .cancelled:
                return "cancelled"
            default:
                return "the callback failed: \(error)"
            }
        }
        if let error = error as? NIOConnectionError {
            if error.connectionErrors.contains(where: { ($0.error as? IOError)?.errnoCode == ECONNREFUSED }) {
                return "connection refused"
            }
        }
        if let error = error as? IOError, error.errnoCode == ECONNREFUSED {
            return "connection refused"
        }
        return "the callback failed: \(error)"
    }
}
