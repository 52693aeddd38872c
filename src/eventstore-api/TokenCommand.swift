import ArgumentParser
import HTTPAPI

/// `eventstore-api token create`: makes a bearer token and the line for the tokens file.
struct TokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Manages bearer tokens.",
        subcommands: [Create.self]
    )

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prints a new random token (give it to the client) and its line for the tokens file (keep that on the server)."
        )

        @Option(help: "reader, writer or admin.")
        var role: String

        @Option(parsing: .upToNextOption, help: "Topics the token may use: names, or prefixes ending in '*'. Default: every topic.")
        var topics: [String] = []

        @Option(help: "The token's name, which owns its subscriptions. Default: made from the token's hash.")
        var name: String?

        func run() throws {
            guard let role = Role(rawValue: role) else {
                throw ValidationError("--role must be reader, writer or admin")
            }
            for topic in self.topics { _ = try TopicPattern(topic) }
            let (token, sha256) = AccessTokens.generate()
            let name = self.name ?? "token-\(sha256.prefix(8))"
            var line: [String] = [#""name": \#(Self.quoted(name))"#, #""role": "\#(role.rawValue)""#]
            if !self.topics.isEmpty { line.append(#""topics": [\#(self.topics.map(Self.quoted).joined(separator: ", "))]"#) }
            line.append(#""sha256": "\#(sha256)""#)
            print("token: \(token)")
            print("tokens file entry: {\(line.joined(separator: ", "))}")
        }

        /// `text` as a JSON string.
        private static func quoted(_ text: String) -> String {
            var quoted = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": quoted += "\\\""
                case "\\": quoted += "\\\\"
                case _ where scalar.value < 0x20: quoted += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
                default: quoted.unicodeScalars.append(scalar)
                }
            }
            return quoted + "\""
        }
    }
}
