public import Configuration
public import EventStoreEngine
public import Logging

/// What every executable is configured with: where the topics and their catalog live, what new topics may name,
/// logging, and read limits. Read from a `ConfigReader` (flags, then environment, then defaults).
public struct RuntimeSettings: Sendable {
    /// Holds the topic catalog (and, for adapters that store locally, their default location).
    public var dataDirectory: String
    /// A JSON array of topic configurations attached at startup.
    public var topicsFile: String?
    /// Where topic configurations are kept: nil for `catalog.json` in the data directory, or a `postgres://` URL for
    /// a catalog that several server processes share.
    public var catalog: String?
    /// Directories inside which `fs` topics may live; `<data-dir>/topics` when empty.
    public var fileSystemAllowedRoots: [String]
    /// PostgreSQL servers new topics may name; empty allows any server reachable over TCP.
    public var postgresAllow: [String]
    /// Whether topic connections may name files of this server (`passfile`, `sslkey`, ...).
    public var postgresAllowClientFiles: Bool
    /// Blob endpoints new topics may name; empty allows any but link-local and metadata addresses.
    public var blobAllow: [String]
    /// The most bytes of event payload one memory topic holds.
    public var memoryTopicMaxBytes: Int
    /// Bytes of each open fs topic's last events kept in memory for reads near its head.
    public var fileSystemRecentBytes: Int
    /// The most appends waiting for one topic's writer (fs, postgres and blob topics).
    public var maxQueuedAppends: Int
    public var logLevel: Logger.Level
    public var readLimits: ReadLimits
    public var projectionLimits: ProjectionLimits

    /// The defaults, with `dataDirectory` as given.
    public init(dataDirectory: String = RuntimeSetting.dataDirectory.defaultValue) {
        self.dataDirectory = dataDirectory
        self.topicsFile = nil
        self.catalog = nil
        self.fileSystemAllowedRoots = []
        self.postgresAllow = []
        self.postgresAllowClientFiles = false
        self.blobAllow = []
        self.memoryTopicMaxBytes = RuntimeSetting.memoryTopicMaxBytes.defaultValue
        self.fileSystemRecentBytes = RuntimeSetting.fileSystemRecentBytes.defaultValue
        self.maxQueuedAppends = RuntimeSetting.maxQueuedAppends.defaultValue
        self.logLevel = .info
        self.readLimits = ReadLimits()
        self.projectionLimits = ProjectionLimits()
    }

    /// Reads the settings, defaulting what is not configured.
    /// - Throws: `SettingsError` naming a value that is out of range or not understood.
    public init(reader: ConfigReader) throws {
        let positive = 1...Int.max
        self.dataDirectory = reader.value(RuntimeSetting.dataDirectory)
        self.topicsFile = reader.value(RuntimeSetting.topicsFile)
        self.catalog = try Self.catalog(reader.value(RuntimeSetting.catalog))
        self.fileSystemAllowedRoots = reader.value(RuntimeSetting.fileSystemAllowedRoots)
        self.postgresAllow = reader.value(RuntimeSetting.postgresAllow)
        self.postgresAllowClientFiles = reader.value(RuntimeSetting.postgresAllowClientFiles)
        self.blobAllow = reader.value(RuntimeSetting.blobAllow)
        self.memoryTopicMaxBytes = try reader.value(RuntimeSetting.memoryTopicMaxBytes, in: positive)
        self.fileSystemRecentBytes = try reader.value(RuntimeSetting.fileSystemRecentBytes, in: 0...(1 << 30))
        self.maxQueuedAppends = try reader.value(RuntimeSetting.maxQueuedAppends, in: 1...1_000_000)
        let level = reader.value(RuntimeSetting.logLevel)
        guard let logLevel = Logger.Level(rawValue: level.lowercased()) else {
            throw SettingsError("log level '\(level.prefix(100))' is not one of trace, debug, info, notice, warning, error, critical")
        }
        self.logLevel = logLevel
        let reads = ReadLimits()
        let maxPageSize = try reader.value(RuntimeSetting.maxPageSize, in: positive)
        self.readLimits = ReadLimits(
            maxPageSize: maxPageSize,
            defaultPageSize: min(reads.defaultPageSize, maxPageSize),
            maxWaitingReads: reads.maxWaitingReads,
            maxPageBytes: try reader.value(RuntimeSetting.maxPageBytes, in: positive)
        )
        self.projectionLimits = ProjectionLimits(maxPerTopic: try reader.value(RuntimeSetting.maxProjections, in: 0...10_000))
    }

    /// The directories `fs` topics may live in.
    public var fileSystemRoots: [String] {
        self.fileSystemAllowedRoots.isEmpty ? [self.dataDirectory + "/topics"] : self.fileSystemAllowedRoots
    }

    /// The catalog setting: empty or `file` is the file catalog, a PostgreSQL URL the shared one.
    private static func catalog(_ value: String?) throws -> String? {
        guard let value, !value.isEmpty, value != "file" else { return nil }
        guard value.hasPrefix("postgres://") || value.hasPrefix("postgresql://") else {
            throw SettingsError("catalog must be 'file' (the default) or a postgres:// URL; the value given is neither")
        }
        return value
    }
}
