import Crypto

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The bearer tokens the server accepts, from a tokens file: a JSON array of
/// `{"name", "role", "topics"?, "sha256"}`, where `sha256` is the hex SHA-256 of the token. The file holds no token
/// itself, and a token is random (32 bytes or more), so one unsalted hash per request is enough: no slow KDF.
public struct AccessTokens: Sendable {
    /// A token's line in the file.
    struct Entry: Sendable, Decodable {
        var name: String
        var role: Role
        var topics: [String]?
        var sha256: String
    }

    /// The shortest token accepted, in characters: a token made by `token create` has 43.
    public static let minimumTokenLength = 32

    private let tokens: [(digest: [UInt8], caller: Caller)]

    /// Reads a tokens file's content.
    /// - Throws: `AccessConfigurationError` naming what is wrong (never a hash).
    public init(json: Data) throws {
        let entries: [Entry]
        do {
            entries = try JSONDecoder().decode([Entry].self, from: json)
        } catch {
            throw AccessConfigurationError("the tokens file is not a JSON array of {\"name\", \"role\", \"topics\"?, \"sha256\"}: \(error)")
        }
        var names: Set<String> = []
        var digests: Set<[UInt8]> = []
        self.tokens = try entries.map { entry in
            guard !entry.name.isEmpty, entry.name.utf8.count <= 128, !entry.name.unicodeScalars.contains(where: { $0.value < 0x20 }) else {
                throw AccessConfigurationError("a token's name must be 1 to 128 bytes without control characters")
            }
            guard names.insert(entry.name).inserted else { throw AccessConfigurationError("two tokens are named '\(entry.name)'") }
            guard let digest = Self.bytes(hex: entry.sha256), digest.count == SHA256.byteCount else {
                throw AccessConfigurationError("token '\(entry.name)': sha256 must be 64 hex digits")
            }
            guard digests.insert(digest).inserted else {
                throw AccessConfigurationError("token '\(entry.name)' has the hash of another token: one token, one entry")
            }
            let topics = try entry.topics.map { try $0.map(TopicPattern.init) }
            return (digest, Caller(name: entry.name, role: entry.role, topics: topics))
        }
    }

    /// The caller a presented token stands for; nil when it is none of the file's. Every token's hash is compared in
    /// constant time, so the time taken says nothing about which bytes matched.
    public func caller(presenting token: Substring) -> Caller? {
        guard token.utf8.count >= Self.minimumTokenLength else { return nil }
        let digest = Array(SHA256.hash(data: Array(token.utf8)))
        var found: Caller?
        for (stored, caller) in self.tokens where Self.constantTimeEqual(stored, digest) {
            found = caller
        }
        return found
    }

    /// A new random token (32 bytes, base64url) and its hex SHA-256 for the file.
    public static func generate() -> (token: String, sha256: String) {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let token = String(
            Data(bytes).base64EncodedString().compactMap { character -> Character? in
                switch character {
                case "+": "-"
                case "/": "_"
                case "=": nil
                default: character
                }
            }
        )
        return (token, Self.hex(Array(SHA256.hash(data: Array(token.utf8)))))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: bytes.flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]] }, as: UTF8.self)
    }

    private static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.lowercased().utf8)
        guard digits.count % 2 == 0 else { return nil }
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    private static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
