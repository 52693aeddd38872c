import CLibPQ
import EventStoreCore

/// A libpq connection string (a `postgres://` URL or `key=value` pairs) as libpq itself reads it
/// (`PQconninfoParse`): the options it sets, nothing taken from the environment or defaults.
struct PGConnInfo: Sendable {
    /// The options the string sets, in libpq's order.
    let options: [(keyword: String, value: String)]

    /// Keywords whose values are secrets.
    static let secretKeywords: Set<String> = ["password", "sslpassword"]

    /// - Throws: `EventStoreError.unsupportedConfiguration` saying what libpq found wrong, with the client's text
    ///   left out.
    init(_ text: String) throws(EventStoreError) {
        var errorMessage: UnsafeMutablePointer<CChar>?
        guard let parsed = PQconninfoParse(text, &errorMessage) else {
            var reason = "it cannot be read"
            if let errorMessage {
                reason = Self.reason(String(cString: errorMessage))
                PQfreemem(errorMessage)
            }
            throw EventStoreError(
                .unsupportedConfiguration,
                "connection is not a PostgreSQL connection string (a postgres:// URL or key=value pairs): \(reason)"
            )
        }
        defer { PQconninfoFree(parsed) }
        var options: [(keyword: String, value: String)] = []
        var option = parsed
        while let keyword = option.pointee.keyword {
            if let value = option.pointee.val { options.append((String(cString: keyword), String(cString: value))) }
            option += 1
        }
        self.options = options
    }

    subscript(keyword: String) -> String? {
        self.options.first { $0.keyword == keyword }?.value
    }

    /// The options as a `key=value` string that libpq reads back to the same options, with `defaults` added for
    /// keywords the string does not set.
    func connectionString(defaults: [(keyword: String, value: String)] = []) -> String {
        let missing = defaults.filter { self[$0.keyword] == nil }
        return (self.options + missing).map { "\($0.keyword)=\(Self.quoted($0.value))" }.joined(separator: " ")
    }

    /// The options as `key=value` pairs with every secret masked: what responses and logs show.
    var redacted: String {
        self.options.map { option in
            let secret = Self.secretKeywords.contains(option.keyword) || SecretRedactor.isSecretName(option.keyword)
            return "\(option.keyword)=\(secret ? SecretRedactor.mask : Self.quoted(option.value))"
        }.joined(separator: " ")
    }

    /// A value quoted as libpq reads it: in single quotes, with `\` and `'` escaped by a backslash.
    private static func quoted(_ value: String) -> String {
        var quoted = "'"
        for character in value.unicodeScalars {
            if character == "\\" || character == "'" { quoted.unicodeScalars.append("\\") }
            quoted.unicodeScalars.append(character)
        }
        return quoted + "'"
    }

    /// What libpq found wrong, in words of ours: its message quotes the input, which may hold the client's secret.
    private static func reason(_ message: String) -> String {
        let reasons = [
            ("invalid connection option", "an unknown option"),
            ("missing \"=\"", "a key without '=' and a value"),
            ("unterminated quoted string", "an unterminated quoted value"),
            ("invalid percent-encoded token", "an invalid percent-escape"),
            ("invalid URI", "a malformed URL"),
            ("end of string reached when looking for matching", "an unclosed bracket in the URL"),
            ("unexpected spaces", "spaces where the URL allows none"),
        ]
        return reasons.first { message.contains($0.0) }?.1 ?? "it cannot be read"
    }
}
