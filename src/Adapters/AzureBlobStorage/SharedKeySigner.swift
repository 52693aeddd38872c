import Crypto

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Shared Key authorization of Blob service requests: the `Authorization: SharedKey {account}:{signature}` header,
/// the base64 HMAC-SHA256 with the account key of the request's string to sign.
///
/// The string to sign is, each on its own line: the method; the values of `Content-Encoding`, `Content-Language`,
/// `Content-Length` (empty when 0), `Content-MD5`, `Content-Type`, `Date`, `If-Modified-Since`, `If-Match`,
/// `If-None-Match`, `If-Unmodified-Since` and `Range` (empty when absent); then every `x-ms-` header as
/// `name:value`, names lowercase and in the service's order; then the canonicalized resource: `/{account}` and the
/// URL's path as sent (percent-encoded; a path-style URL's path begins with the account again), then each query
/// parameter as `\nname:value`, names lowercase and sorted, values decoded.
struct SharedKeySigner: Sendable {
    let account: String
    private let key: SymmetricKey

    /// The headers whose values are signed by position, in order.
    static let standardHeaders = [
        "content-encoding", "content-language", "content-length", "content-md5", "content-type", "date",
        "if-modified-since", "if-match", "if-none-match", "if-unmodified-since", "range",
    ]

    init(account: String, key: [UInt8]) {
        self.account = account
        self.key = SymmetricKey(data: key)
    }

    /// The `Authorization` header's value.
    /// - Parameters:
    ///   - path: the URL's path as sent, percent-encoded.
    ///   - query: the query's parameters, decoded.
    func authorization(method: String, path: String, query: [(name: String, value: String)], headers: [(name: String, value: String)]) -> String {
        let stringToSign = Self.stringToSign(account: self.account, method: method, path: path, query: query, headers: headers)
        let mac = HMAC<SHA256>.authenticationCode(for: Array(stringToSign.utf8), using: self.key)
        return "SharedKey \(self.account):\(Data(mac).base64EncodedString())"
    }

    static func stringToSign(
        account: String,
        method: String,
        path: String,
        query: [(name: String, value: String)],
        headers: [(name: String, value: String)]
    ) -> String {
        var byName: [String: String] = [:]
        for (name, value) in headers where !value.isEmpty { byName[name.lowercased()] = value }
        if byName["content-length"] == "0" { byName["content-length"] = nil }
        var text = method + "\n"
        for name in Self.standardHeaders { text += (byName[name] ?? "") + "\n" }
        let msHeaders = byName.filter { $0.key.hasPrefix("x-ms-") }.sorted { Self.precedes($0.key, $1.key) }
        for (name, value) in msHeaders { text += "\(name):\(value)\n" }
        text += "/\(account)\(path)"
        for (name, value) in query.sorted(by: { ($0.name, $0.value) < ($1.name, $1.value) }) {
            text += "\n\(name.lowercased()):\(value)"
        }
        return text
    }

    /// The order the service sorts `x-ms-` header names in for signing: a two-level collation (most punctuation,
    /// `-` among it, is ignored at the first level), as Microsoft's SDKs implement it.
    static func precedes(_ left: String, _ right: String) -> Bool {
        Self.compare(Array(left.utf8), Array(right.utf8)) < 0
    }

    private static func compare(_ left: [UInt8], _ right: [UInt8]) -> Int {
        let tables = [Self.level0, Self.level4]
        var (level, i, j) = (0, 0, 0)
        while level < tables.count {
            if level == tables.count - 1, i != j { return i > j ? -1 : 1 }
            let w1 = i < left.count ? Self.weight(tables[level], left[i]) : 1
            let w2 = j < right.count ? Self.weight(tables[level], right[j]) : 1
            if w1 == 1, w2 == 1 {
                (i, j) = (0, 0)
                level += 1
            } else if w1 == w2 {
                i += 1
                j += 1
            } else if w1 == 0 {
                i += 1
            } else if w2 == 0 {
                j += 1
            } else {
                return w1 < w2 ? -1 : 1
            }
        }
        return 0
    }

    private static func weight(_ table: [Int], _ byte: UInt8) -> Int {
        Int(byte) < table.count ? table[Int(byte)] : 0
    }

    // The collation's weights of the ASCII characters, from Microsoft's azure-storage-blob (MIT licence).
    private static let level0: [Int] = [
        0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0,
        0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0,
        0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x71c, 0x0, 0x71f, 0x721, 0x723, 0x725,
        0x0, 0x0, 0x0, 0x72d, 0x803, 0x0, 0x0, 0x733, 0x0, 0xd03, 0xd1a, 0xd1c, 0xd1e,
        0xd20, 0xd22, 0xd24, 0xd26, 0xd28, 0xd2a, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0, 0x0,
        0xe02, 0xe09, 0xe0a, 0xe1a, 0xe21, 0xe23, 0xe25, 0xe2c, 0xe32, 0xe35, 0xe36, 0xe48, 0xe51,
        0xe70, 0xe7c, 0xe7e, 0xe89, 0xe8a, 0xe91, 0xe99, 0xe9f, 0xea2, 0xea4, 0xea6, 0xea7, 0xea9,
        0x0, 0x0, 0x0, 0x743, 0x744, 0x748, 0xe02, 0xe09, 0xe0a, 0xe1a, 0xe21, 0xe23, 0xe25,
        0xe2c, 0xe32, 0xe35, 0xe36, 0xe48, 0xe51, 0xe70, 0xe7c, 0xe7e, 0xe89, 0xe8a, 0xe91, 0xe99,
        0xe9f, 0xea2, 0xea4, 0xea6, 0xea7, 0xea9, 0x0, 0x74c, 0x0, 0x750, 0x0,
    ]
    private static let level4: [Int] = {
        var table = [Int](repeating: 0, count: 128)
        table[0x27] = 0x8012  // '
        table[0x2D] = 0x8212  // -
        return table
    }()
}
