#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A subscription's callback URL: absolute `http` or `https`, with a host, without credentials or a fragment.
///
/// Whether its destination may be called (which hosts and addresses) is the delivery policy's decision, made by the
/// `CallbackSender`; this type only checks the URL's form.
public struct CallbackURL: Sendable, Hashable, CustomStringConvertible {
    /// The longest URL accepted, in bytes.
    public static let maximumLength = 2048

    public let url: URL
    /// The host without IPv6 brackets, lowercased.
    public let host: String

    /// - Throws: `EventStoreError.invalidArgument` saying what is wrong with the URL.
    public init(_ text: String) throws(EventStoreError) {
        guard text.utf8.count <= Self.maximumLength else {
            throw EventStoreError(.invalidArgument, "callback_url is longer than \(Self.maximumLength) bytes")
        }
        guard !text.utf8.contains(where: Self.isControl) else {
            throw EventStoreError(.invalidArgument, "callback_url must not contain line breaks or other control characters")
        }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased() else {
            throw EventStoreError(.invalidArgument, "callback_url must be an absolute http or https URL")
        }
        guard scheme == "http" || scheme == "https" else {
            throw EventStoreError(.invalidArgument, "callback_url must use http or https, not '\(scheme.prefix(32))'")
        }
        guard url.user == nil, url.password == nil else {
            throw EventStoreError(.invalidArgument, "callback_url must not carry credentials; authenticate callbacks by their signature")
        }
        guard url.fragment == nil else {
            throw EventStoreError(.invalidArgument, "callback_url must not have a fragment")
        }
        var host = url.host(percentEncoded: false) ?? ""
        if host.hasPrefix("["), host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        }
        guard !host.isEmpty else {
            throw EventStoreError(.invalidArgument, "callback_url must name a host")
        }
        guard !host.utf8.contains(where: Self.isControl) else {
            throw EventStoreError(.invalidArgument, "callback_url's host must not contain control characters")
        }
        self.url = url
        self.host = host.lowercased()
    }

    public var description: String { self.url.absoluteString }

    /// The URL with its query string masked (`?***`): a query often carries the receiver's token, so listings and
    /// logs show this form.
    public var masked: String {
        let text = self.url.absoluteString
        guard let question = text.firstIndex(of: "?") else { return text }
        return text[..<question] + "?***"
    }

    private static func isControl(_ byte: UInt8) -> Bool {
        byte < 0x20 || byte == 0x7F
    }
}
