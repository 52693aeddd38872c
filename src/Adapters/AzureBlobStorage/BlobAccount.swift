#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A Blob Storage account as a topic's `connection` names it: where its Blob service answers and how requests to it
/// are authorized. Read from an Azure Storage connection string or a SAS URL.
///
/// Endpoints are either host-style (`https://{account}.blob.core.windows.net`) or path-style, where the account is
/// the first segment of the path (`http://127.0.0.1:10000/devstoreaccount1`, as the Azurite emulator and IP
/// addresses use). The account key and the SAS signature never appear in ``description``.
public struct BlobAccount: Sendable, CustomStringConvertible {
    /// How requests are authorized.
    public enum Credential: Sendable {
        /// Shared Key: every request signed with the account key (its decoded bytes).
        case sharedKey([UInt8])
        /// A SAS token (the query string without `?`), added to every request.
        case sharedAccessSignature(String)
    }

    /// The account's name (3 to 24 lowercase letters and digits).
    public let name: String
    /// `http` or `https`.
    public let scheme: String
    /// The endpoint's host: a name, or an address (IPv6 without brackets).
    public let host: String
    /// The endpoint's port, when the connection names one.
    public let port: Int?
    /// The endpoint's path: empty for host-style endpoints, `/{account}` (or what a `BlobEndpoint` names) for
    /// path-style ones. Without a trailing slash.
    public let basePath: String
    /// How requests are authorized; never shown.
    public let credential: Credential
    /// The container a SAS URL names, if any.
    public let container: String?

    /// The account Azurite starts with, and its published key.
    public static let developmentAccount = "devstoreaccount1"
    public static let developmentKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

    public var description: String {
        let credential = switch self.credential {
        case .sharedKey: "Shared Key"
        case .sharedAccessSignature: "SAS"
        }
        return "account '\(self.name)' at \(self.endpoint) (\(credential))"
    }

    /// The Blob service's base URL, without credentials.
    public var endpoint: String {
        "\(self.scheme)://\(self.authority)\(self.basePath)"
    }

    /// `host[:port]`, IPv6 addresses in brackets.
    var authority: String {
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return self.port.map { "\(host):\($0)" } ?? host
    }

    init(name: String, scheme: String, host: String, port: Int?, basePath: String, credential: Credential, container: String?) {
        self.name = name
        self.scheme = scheme
        self.host = host
        self.port = port
        self.basePath = basePath
        self.credential = credential
        self.container = container
    }

    /// Reads a connection string (`DefaultEndpointsProtocol=https;AccountName=...;AccountKey=...;EndpointSuffix=...`,
    /// `BlobEndpoint=...` for a custom or path-style endpoint, `SharedAccessSignature=...` instead of a key,
    /// `UseDevelopmentStorage=true` for Azurite on this machine) or a SAS URL (`https://.../container?sv=...&sig=...`).
    /// - Throws: `BlobAccountError` saying what is missing or wrong, never quoting a key or signature.
    public init(connection: String) throws(BlobAccountError) {
        let trimmed = connection.trimmingSpace
        if trimmed.lowercased().hasPrefix("http://") || trimmed.lowercased().hasPrefix("https://") {
            self = try Self.sasURL(trimmed)
        } else {
            self = try Self.connectionString(trimmed)
        }
    }

    private static func connectionString(_ text: String) throws(BlobAccountError) -> BlobAccount {
        var fields: [String: String] = [:]
        for part in text.split(separator: ";", omittingEmptySubsequences: true) {
            guard let equals = part.firstIndex(of: "=") else { throw BlobAccountError("a connection string is Key=Value pairs separated by ';'") }
            let key = part[..<equals].trimmingSpace.lowercased()
            guard fields[key] == nil else { throw BlobAccountError("the connection string names \(part[..<equals].prefix(40)) twice") }
            fields[key] = String(part[part.index(after: equals)...]).trimmingSpace
        }
        if fields["usedevelopmentstorage"]?.lowercased() == "true" {
            fields["accountname"] = fields["accountname"] ?? developmentAccount
            fields["accountkey"] = fields["accountkey"] ?? developmentKey
            fields["blobendpoint"] = fields["blobendpoint"] ?? "http://127.0.0.1:10000/\(developmentAccount)"
        }
        let credential: Credential
        if let key = fields["accountkey"] {
            guard let bytes = Data(base64Encoded: key), !bytes.isEmpty else { throw BlobAccountError("AccountKey is not base64") }
            credential = .sharedKey(Array(bytes))
        } else if let signature = fields["sharedaccesssignature"] {
            credential = .sharedAccessSignature(try Self.token(signature.hasPrefix("?") ? String(signature.dropFirst()) : signature))
        } else {
            throw BlobAccountError("the connection string has neither AccountKey nor SharedAccessSignature")
        }
        if let endpoint = fields["blobendpoint"] {
            let url = try Self.parse(endpoint, what: "BlobEndpoint")
            guard url.query == nil || url.query?.isEmpty == true else { throw BlobAccountError("BlobEndpoint has a query") }
            let segments = url.path.split(separator: "/")
            let name = fields["accountname"] ?? (Self.isPathStyle(url.host) ? segments.first.map(String.init) : url.host.split(separator: ".").first.map(String.init))
            guard let name, Self.isAccountName(name) else { throw BlobAccountError("AccountName is missing or not 3 to 24 lowercase letters and digits") }
            return BlobAccount(
                name: name,
                scheme: url.scheme,
                host: url.host,
                port: url.port,
                basePath: segments.isEmpty ? "" : "/" + segments.joined(separator: "/"),
                credential: credential,
                container: nil
            )
        }
        guard let name = fields["accountname"], Self.isAccountName(name) else {
            throw BlobAccountError("AccountName is missing or not 3 to 24 lowercase letters and digits")
        }
        let scheme = (fields["defaultendpointsprotocol"] ?? "https").lowercased()
        guard scheme == "https" || scheme == "http" else { throw BlobAccountError("DefaultEndpointsProtocol must be https or http") }
        let suffix = fields["endpointsuffix"] ?? "core.windows.net"
        guard !suffix.isEmpty, suffix.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }), suffix.allSatisfy(\.isASCII) else {
            throw BlobAccountError("EndpointSuffix must be a host name such as core.windows.net")
        }
        return BlobAccount(name: name, scheme: scheme, host: "\(name).blob.\(suffix)", port: nil, basePath: "", credential: credential, container: nil)
    }

    private static func sasURL(_ text: String) throws(BlobAccountError) -> BlobAccount {
        let url = try Self.parse(text, what: "the SAS URL")
        guard let query = url.query, !query.isEmpty else { throw BlobAccountError("the SAS URL has no token (its query is empty)") }
        var segments = url.path.split(separator: "/").map(String.init)
        let name: String
        if Self.isPathStyle(url.host) {
            guard !segments.isEmpty else { throw BlobAccountError("a path-style SAS URL starts its path with the account") }
            name = segments.removeFirst()
        } else {
            name = url.host.split(separator: ".").first.map(String.init) ?? ""
        }
        guard Self.isAccountName(name) else { throw BlobAccountError("the SAS URL's account is not 3 to 24 lowercase letters and digits") }
        guard segments.count <= 1 else { throw BlobAccountError("a SAS URL names an account or a container, not a blob") }
        return BlobAccount(
            name: name,
            scheme: url.scheme,
            host: url.host,
            port: url.port,
            basePath: Self.isPathStyle(url.host) ? "/\(name)" : "",
            credential: .sharedAccessSignature(try Self.token(query)),
            container: segments.first.map { BlobPath.decode($0) ?? $0 }
        )
    }

    /// A SAS token: `name=value` pairs with a signature.
    private static func token(_ query: String) throws(BlobAccountError) -> String {
        let names = query.split(separator: "&").map { $0.split(separator: "=", maxSplits: 1).first.map(String.init) ?? "" }
        guard names.contains("sig"), names.contains("sv") else { throw BlobAccountError("the SAS token has no sig or no sv") }
        guard query.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != "#" }) else { throw BlobAccountError("the SAS token holds characters a URL cannot") }
        return query
    }

    private struct ParsedURL {
        var scheme: String
        var host: String
        var port: Int?
        var path: String
        var query: String?
    }

    private static func parse(_ text: String, what: String) throws(BlobAccountError) -> ParsedURL {
        guard text.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != "\0" }), text.utf8.count <= 4096,
            let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
            scheme == "http" || scheme == "https", let host = components.host, !host.isEmpty,
            components.user == nil, components.password == nil, components.fragment == nil
        else {
            throw BlobAccountError("\(what) must be an http or https URL with a host, and no user, password or fragment")
        }
        if let port = components.port, !(1...65535).contains(port) { throw BlobAccountError("\(what) has a port outside 1...65535") }
        return ParsedURL(
            scheme: scheme,
            host: host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host.lowercased(),
            port: components.port,
            path: components.percentEncodedPath,
            query: components.percentEncodedQuery
        )
    }

    /// Path-style endpoints: IP addresses and `localhost`, as Azure's SDKs decide.
    private static func isPathStyle(_ host: String) -> Bool {
        host == "localhost" || host.contains(":") || host.split(separator: ".").allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
    }

    private static func isAccountName(_ name: String) -> Bool {
        (3...24).contains(name.count) && name.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber) }
    }
}

/// Why a blob topic's `connection` cannot be used.
public struct BlobAccountError: Error, Sendable, CustomStringConvertible {
    public let description: String

    init(_ description: String) {
        self.description = description
    }
}

extension StringProtocol {
    /// Without leading and trailing white space (`\r\n` is one character).
    var trimmingSpace: String {
        guard let first = self.firstIndex(where: { !$0.isWhitespace }), let last = self.lastIndex(where: { !$0.isWhitespace }) else { return "" }
        return String(self[first...last])
    }
}
