import EventJSON
public import EventStoreCore
import Foundation
public import Logging
public import NIOPosix

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Delivers callbacks as signed HTTP POSTs (Standard Webhooks) with `URLSession`.
///
/// Before every attempt the destination is resolved and checked against the `DestinationPolicy`, so a host that
/// starts resolving to a forbidden address is caught. Redirects are never followed: a 3xx is a failed attempt.
public final class WebhookSender: CallbackSender {
    private let policy: DestinationPolicy
    private let resolver: HostResolver
    private let session: URLSession
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
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = maxConnectionsPerHost
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        self.session = URLSession(configuration: configuration, delegate: RedirectRefuser(), delegateQueue: nil)
    }

    deinit {
        self.session.invalidateAndCancel()
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

        var request = URLRequest(url: callback.url.url)
        request.httpMethod = "POST"
        request.httpBody = Data(body)
        request.timeoutInterval = callback.timeout.inSeconds
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(self.userAgent, forHTTPHeaderField: "User-Agent")
        request.setValue(callback.messageID, forHTTPHeaderField: "webhook-id")
        request.setValue(String(timestamp), forHTTPHeaderField: "webhook-timestamp")
        request.setValue(
            WebhookSignature.sign(messageID: callback.messageID, timestamp: timestamp, body: body, secret: callback.secret),
            forHTTPHeaderField: "webhook-signature"
        )

        let response: URLResponse
        do {
            (_, response) = try await self.session.data(for: request)
        } catch {
            return .failed(reason: Self.describe(error, timeout: callback.timeout), retryAfter: nil)
        }
        guard let http = response as? HTTPURLResponse else {
            return .failed(reason: "the receiver's answer is not HTTP", retryAfter: nil)
        }
        switch http.statusCode {
        case 200..<300:
            return .delivered
        case 410:
            return .gone
        case 300..<400:
            return .failed(reason: "the receiver answered \(http.statusCode), a redirect, which is not followed", retryAfter: nil)
        case 429, 503:
            let retryAfter = http.value(forHTTPHeaderField: "Retry-After").flatMap { RetryAfter.parse($0, now: Date()) }
            return .failed(reason: "the receiver answered \(http.statusCode)", retryAfter: retryAfter)
        default:
            return .failed(reason: "the receiver answered \(http.statusCode)", retryAfter: nil)
        }
    }

    private func refusal(_ url: CallbackURL) async -> String? {
        self.policy.refusal(host: url.host, addresses: await self.resolver.addresses(of: url.host))
    }

    private static func describe(_ error: any Error, timeout: Duration) -> String {
        guard let error = error as? URLError else { return "the callback failed: \(error)" }
        switch error.code {
        case .timedOut: return "no answer within \(timeout)"
        case .cannotConnectToHost: return "connection refused"
        case .cannotFindHost, .dnsLookupFailed: return "host not found"
        case .networkConnectionLost: return "the connection was closed before an answer"
        case .cancelled: return "cancelled"
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate, .serverCertificateNotYetValid:
            return "TLS failed: \(error.localizedDescription)"
        default: return "the callback failed: \(error.localizedDescription)"
        }
    }
}

/// Answers every redirect with "do not follow", so the 3xx itself is the response.
private final class RedirectRefuser: NSObject, URLSessionTaskDelegate, Sendable {
    func urlSession(
        _ session: URLSession,
        task: URLSessionTask,
        willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest,
        completionHandler: @escaping @Sendable (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }
}
