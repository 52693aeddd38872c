/// Removes secrets from connection strings and option values before they are shown or logged.
///
/// Understands URLs (`scheme://user:password@host/...` and `?password=`), libpq key=value strings
/// (`password=...`) and Azure connection strings (`AccountKey=...;SharedAccessSignature=...`).
public enum SecretRedactor {
    /// What a secret is replaced with.
    public static let mask = "***"

    private static let secretWords = ["password", "passwd", "pwd", "secret", "key", "token", "signature", "sig", "credential"]

    /// Whether a parameter or option name suggests its value is a secret.
    public static func isSecretName(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return Self.secretWords.contains { lowered.contains($0) }
    }

    /// `connection` with its secrets masked.
    public static func redactConnection(_ connection: String) -> String {
        var characters = Array(connection)
        if let schemeEnd = Self.firstIndex(of: Array("://"), in: characters) {
            // URL userinfo: scheme://user:password@host
            let authorityStart = schemeEnd + 3
            let authorityEnd = characters[authorityStart...].firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? characters.endIndex
            if let at = characters[authorityStart..<authorityEnd].lastIndex(of: "@"),
                let colon = characters[authorityStart..<at].firstIndex(of: ":")
            {
                characters.replaceSubrange((colon + 1)..<at, with: Array(Self.mask))
            }
        }
        return Self.redactParameters(String(characters))
    }

    private static func firstIndex(of needle: [Character], in haystack: [Character]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        return (0...(haystack.count - needle.count)).first { haystack[$0..<$0 + needle.count].elementsEqual(needle) }
    }

    /// Masks the values of `name=value` pairs whose names suggest secrets, whatever separates the pairs
    /// (`&`, `;`, spaces).
    private static func redactParameters(_ text: String) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        var index = text.startIndex
        while index < text.endIndex {
            guard let equals = text[index...].firstIndex(of: "=") else {
                output += text[index...]
                break
            }
            let nameStart = text[index..<equals].lastIndex { Self.isSeparator($0) }.map { text.index(after: $0) } ?? index
            let name = text[nameStart..<equals]
            output += text[index...equals]
            var valueEnd = text.index(after: equals)
            if valueEnd < text.endIndex, text[valueEnd] == "'" {
                // libpq quoted value: password='a b'
                valueEnd = text[text.index(after: valueEnd)...].firstIndex(of: "'").map { text.index(after: $0) } ?? text.endIndex
            } else {
                valueEnd = text[valueEnd...].firstIndex { Self.isSeparator($0) } ?? text.endIndex
            }
            if Self.isSecretName(String(name)) {
                output += Self.mask
            } else {
                output += text[text.index(after: equals)..<valueEnd]
            }
            index = valueEnd
        }
        return output
    }

    private static func isSeparator(_ character: Character) -> Bool {
        character == "&" || character == ";" || character == "?" || character == " " || character == "\t" || character == "\n"
    }
}
