public import Configuration

/// How a setting is written on the command line.
public enum SettingKind: Sendable {
    /// `--flag value`.
    case text
    /// `--flag 42`.
    case integer
    /// `--flag 0.5` (a number, often seconds).
    case number
    /// `--flag` alone turns it on.
    case switchOn
    /// `--flag a --flag b`; comma-separated in the environment.
    case list
}

/// Whether a setting belongs to every executable (storage, catalog, logging) or to the HTTP server alone.
public enum SettingScope: Sendable {
    case runtime
    case server
}

/// A setting as the command line and the environment know it. One declaration (a ``Setting``) gives its flag, its
/// environment variable, its help and its default; `--help` and the README list it from here.
public struct SettingDefinition: Sendable {
    /// The command-line flag without its dashes: `max-page-size`.
    public let flag: String
    /// The configuration key under `eventstore`, dotted: `limits.maxPageSize`.
    public let key: String
    public let kind: SettingKind
    public let scope: SettingScope
    public let help: String
    /// The default as `--help` shows it; nil when there is none.
    public let defaultText: String?
    /// Whether the value may hold a secret (it is never logged).
    public let isSecret: Bool

    /// The environment variable that sets it: `EVENTSTORE_` and the key in upper snake case.
    public var environmentVariable: String {
        var name = "EVENTSTORE"
        for component in self.key.split(separator: ".") {
            name += "_"
            var previousWasLower = false
            for character in component {
                if character.isUppercase, previousWasLower { name += "_" }
                previousWasLower = character.isLowercase || character.isNumber
                name += character.uppercased()
            }
        }
        return name
    }

    /// The key as `ConfigReader` looks it up, under `eventstore`.
    var absoluteKey: AbsoluteConfigKey {
        AbsoluteConfigKey(["eventstore"] + self.key.split(separator: ".").map(String.init))
    }
}

/// A typed setting: its definition and its default value.
public struct Setting<Value: SettingValue>: Sendable {
    public let definition: SettingDefinition
    public let defaultValue: Value

    /// - Parameters:
    ///   - flag: the command-line flag without its dashes.
    ///   - key: the configuration key under `eventstore`, dotted; the environment variable is made from it.
    ///   - defaultValue: what applies when neither a flag nor the environment sets it.
    ///   - shownDefault: the default as help shows it, when the value alone would not say it well.
    public init(
        _ flag: String,
        key: String,
        scope: SettingScope,
        default defaultValue: Value,
        shownDefault: String? = nil,
        secret: Bool = false,
        help: String
    ) {
        self.definition = SettingDefinition(
            flag: flag,
            key: key,
            kind: Value.kind,
            scope: scope,
            help: help,
            defaultText: shownDefault ?? defaultValue.helpText,
            isSecret: secret
        )
        self.defaultValue = defaultValue
    }
}

/// A type a setting can have.
public protocol SettingValue: Sendable {
    static var kind: SettingKind { get }
    /// Reads the value of `key`, or `defaultValue` when nothing sets it.
    static func read(_ key: ConfigKey, from config: ConfigReader, default defaultValue: Self, isSecret: Bool) -> Self
    /// How `--help` shows this value as a default; nil shows none.
    var helpText: String? { get }
}

extension Int: SettingValue {
    public static var kind: SettingKind { .integer }
    public static func read(_ key: ConfigKey, from config: ConfigReader, default defaultValue: Int, isSecret: Bool) -> Int {
        config.int(forKey: key, isSecret: isSecret, default: defaultValue)
    }
    public var helpText: String? { String(self) }
}

extension Double: SettingValue {
    public static var kind: SettingKind { .number }
    public static func read(_ key: ConfigKey, from config: ConfigReader, default defaultValue: Double, isSecret: Bool) -> Double {
        config.double(forKey: key, isSecret: isSecret, default: defaultValue)
    }
    public var helpText: String? { self == self.rounded() ? String(Int(self)) : String(self) }
}

extension String: SettingValue {
    public static var kind: SettingKind { .text }
    public static func read(_ key: ConfigKey, from config: ConfigReader, default defaultValue: String, isSecret: Bool) -> String {
        config.string(forKey: key, isSecret: isSecret, default: defaultValue)
    }
    public var helpText: String? { self }
}

extension Bool: SettingValue {
    public static var kind: SettingKind { .switchOn }
    public static func read(_ key: ConfigKey, from config: ConfigReader, default defaultValue: Bool, isSecret: Bool) -> Bool {
        config.bool(forKey: key, isSecret: isSecret, default: defaultValue)
    }
    public var helpText: String? { nil }
}

extension Optional: SettingValue where Wrapped == String {
    public static var kind: SettingKind { .text }
    public static func read(_ key: ConfigKey, from config: ConfigReader, default defaultValue: String?, isSecret: Bool) -> String? {
        config.string(forKey: key, isSecret: isSecret) ?? defaultValue
    }
    public var helpText: String? { self }
}

extension Array: SettingValue where Element == String {
    public static var kind: SettingKind { .list }
    public static func read(_ key: ConfigKey, from config: ConfigReader, default defaultValue: [String], isSecret: Bool) -> [String] {
        config.stringArray(forKey: key, isSecret: isSecret, default: defaultValue)
    }
    public var helpText: String? { self.isEmpty ? nil : self.joined(separator: ",") }
}

extension ConfigReader {
    /// The value of `setting`: from the first provider that sets it, else its default.
    public func value<Value>(_ setting: Setting<Value>) -> Value {
        let definition = setting.definition
        return Value.read(
            ConfigKey(definition.key.split(separator: ".").map(String.init)),
            from: self.scoped(to: "eventstore"),
            default: setting.defaultValue,
            isSecret: definition.isSecret
        )
    }

    /// The value of an integer setting, which must lie in `range`.
    /// - Throws: `SettingsError` naming the flag.
    public func value(_ setting: Setting<Int>, in range: ClosedRange<Int>) throws -> Int {
        let value = self.value(setting)
        guard range.contains(value) else {
            let upper = range.upperBound == .max ? "" : String(range.upperBound)
            throw SettingsError("--\(setting.definition.flag) must be in \(range.lowerBound)...\(upper), got \(value)")
        }
        return value
    }

    /// The value of a setting in seconds, which must lie between `minimum` and a day.
    /// - Throws: `SettingsError` naming the flag.
    public func duration(_ setting: Setting<Double>, minimum: Double = 0) throws -> Duration {
        let seconds = self.value(setting)
        guard seconds.isFinite, seconds >= minimum, seconds <= 86_400 else {
            throw SettingsError(
                "--\(setting.definition.flag) must be between \(minimum == 0 ? "0" : "\(minimum)") and 86400 seconds, got \(seconds)"
            )
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }
}

/// A setting that cannot be used.
public struct SettingsError: Error, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}
