import AppendGroups
import EventStoreCore
import EventStoreEngine
import FileSystemStorage

/// The settings every executable takes: where topics and the catalog live, what new topics may name, logging and
/// read limits.
public enum RuntimeSetting {
    public static let dataDirectory = Setting<String>(
        "data-dir", key: "dataDir", scope: .runtime, default: "./data",
        help: "Directory holding the topic catalog and, under topics/, the fs topics by default."
    )
    public static let topicsFile = Setting<String?>(
        "topics-file", key: "topicsFile", scope: .runtime, default: nil,
        help: "JSON array of topic configurations to attach at startup."
    )
    public static let catalog = Setting<String?>(
        "catalog", key: "catalog", scope: .runtime, default: nil, shownDefault: "file", secret: true,
        help: "Where topic configurations are kept: 'file' (catalog.json in the data directory) or a postgres:// URL shared by several server processes."
    )
    public static let fileSystemAllowedRoots = Setting<[String]>(
        "fs-allowed-root", key: "fs.allowedRoots", scope: .runtime, default: [], shownDefault: "<data-dir>/topics",
        help: "A directory fs topics may live in; repeat for more."
    )
    public static let postgresAllow = Setting<[String]>(
        "postgres-allow", key: "postgres.allow", scope: .runtime, default: [],
        help: "A PostgreSQL server new topics may name: host[:port], address or CIDR[:port], [v6]:port, or a Unix socket directory; repeat for more. Without any, every server reachable over TCP is allowed: then only trusted callers should create topics."
    )
    public static let blobAllow = Setting<[String]>(
        "blob-allow", key: "blob.allow", scope: .runtime, default: [],
        help: "A Blob endpoint new topics may name: host[:port], address or CIDR, [v6]:port; repeat for more. Without any, every endpoint but link-local and metadata ones is allowed: then only trusted callers should create topics."
    )
    public static let postgresAllowClientFiles = Setting<Bool>(
        "postgres-allow-client-files", key: "postgres.allowClientFiles", scope: .runtime, default: false,
        help: "Let topic connections name files of this server: passfile, service, sslkey, sslcert, sslrootcert, sslcrl, sslcrldir."
    )
    public static let memoryTopicMaxBytes = Setting<Int>(
        "memory-topic-max-bytes", key: "memory.maxTopicBytes", scope: .runtime, default: 1 << 30,
        help: "Bytes of event payload one memory topic may hold; a publish past it gets 507."
    )
    public static let fileSystemRecentBytes = Setting<Int>(
        "fs-recent-bytes", key: "fs.recentBytes", scope: .runtime, default: FileSystemEventLog.Options().recentBytes,
        help: "Bytes of each open fs topic's last events kept in memory (payloads plus 160 bytes each), which answer reads near its head (projections, subscriptions, streams) without reading its files; 0 keeps none."
    )
    public static let maxQueuedAppends = Setting<Int>(
        "max-queued-appends", key: "limits.maxQueuedAppends", scope: .runtime, default: AppendQueue.defaultMaxDepth,
        help: "Most publishes waiting for one topic's writer at once (fs, postgres and blob topics); one more gets 429 with Retry-After."
    )
    public static let logLevel = Setting<String>(
        "log-level", key: "logLevel", scope: .runtime, default: "info",
        help: "trace, debug, info, notice, warning, error or critical."
    )
    public static let maxPageSize = Setting<Int>(
        "max-page-size", key: "limits.maxPageSize", scope: .runtime, default: ReadLimits().maxPageSize,
        help: "Largest read page."
    )
    public static let maxPageBytes = Setting<Int>(
        "max-page-bytes", key: "limits.maxPageBytes", scope: .runtime, default: ReadLimits().maxPageBytes,
        help: "Bytes of event payload after which a page or a callback batch ends early, with next_offset to continue; at least one event each."
    )
    public static let maxProjections = Setting<Int>(
        "max-projections-per-topic", key: "projections.maxPerTopic", scope: .runtime, default: ProjectionLimits().maxPerTopic,
        help: "Most projections one topic may have."
    )

    /// Every runtime setting, in the order `--help` lists them.
    public static let all: [SettingDefinition] = [
        dataDirectory.definition, topicsFile.definition, catalog.definition, fileSystemAllowedRoots.definition,
        postgresAllow.definition, postgresAllowClientFiles.definition, blobAllow.definition, memoryTopicMaxBytes.definition,
        fileSystemRecentBytes.definition, maxQueuedAppends.definition, logLevel.definition, maxPageSize.definition, maxPageBytes.definition,
        maxProjections.definition,
    ]
}
