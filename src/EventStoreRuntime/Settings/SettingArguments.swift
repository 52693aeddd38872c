public import Configuration

/// Reads settings from command-line arguments, by their definitions: `--flag value`, `--flag=value`, `--switch`,
/// and list flags repeated.
public enum SettingArguments {
    /// The configuration values the arguments set.
    /// - Parameters:
    ///   - arguments: the arguments, without the executable's name.
    ///   - definitions: the settings the executable takes.
    /// - Throws: `SettingsError` for an unknown flag, a missing or malformed value.
    public static func parse(_ arguments: [String], definitions: [SettingDefinition]) throws -> [AbsoluteConfigKey: ConfigValue] {
        let byFlag = Dictionary(definitions.map { ($0.flag, $0) }, uniquingKeysWith: { first, _ in first })
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        var lists: [String: [String]] = [:]
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            index += 1
            guard argument.hasPrefix("--"), argument.count > 2 else {
                throw SettingsError("unexpected argument '\(argument.prefix(200))'; see --help")
            }
            let body = argument.dropFirst(2)
            let flag = String(body.prefix { $0 != "=" })
            let inline = body.firstIndex(of: "=").map { String(body[body.index(after: $0)...]) }
            guard let definition = byFlag[flag] else {
                throw SettingsError("unknown option '--\(flag.prefix(200))'; see --help")
            }
            if definition.kind == .switchOn {
                guard inline == nil else { throw SettingsError("--\(flag) takes no value") }
                values[definition.absoluteKey] = ConfigValue(.bool(true), isSecret: false)
                continue
            }
            let text: String
            if let inline {
                text = inline
            } else {
                guard index < arguments.endIndex else { throw SettingsError("--\(flag) needs a value") }
                text = arguments[index]
                index += 1
            }
            let content: ConfigContent
            switch definition.kind {
            case .integer:
                guard let value = Int(text) else { throw SettingsError("--\(flag) needs a whole number, got '\(text.prefix(100))'") }
                content = .int(value)
            case .number:
                guard let value = Double(text), value.isFinite else {
                    throw SettingsError("--\(flag) needs a number, got '\(text.prefix(100))'")
                }
                content = .double(value)
            case .list:
                lists[definition.flag, default: []].append(text)
                content = .stringArray(lists[definition.flag] ?? [])
            case .text, .switchOn:
                content = .string(text)
            }
            values[definition.absoluteKey] = ConfigValue(content, isSecret: definition.isSecret)
        }
        return values
    }

    /// The settings as `--help` lists them: flag, help, environment variable and default.
    public static func help(_ definitions: [SettingDefinition]) -> String {
        definitions.map { definition in
            let value: String
            switch definition.kind {
            case .text, .list: value = " <value>"
            case .integer: value = " <n>"
            case .number: value = " <number>"
            case .switchOn: value = ""
            }
            var text = "  --\(definition.flag)\(value)\n      \(definition.help) (\(definition.environmentVariable))"
            if let shown = definition.defaultText { text += " Default: \(shown)." }
            return text
        }.joined(separator: "\n")
    }
}
