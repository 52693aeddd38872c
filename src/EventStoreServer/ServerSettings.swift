public import Configuration
import EventStoreCore
public import EventStoreEngine
public import HTTPAPI
public import Logging

/// Everything the server is configured with, read from a `ConfigReader` (flags, then environment, then defaults).
///
/// Keys live under `eventstore.`; as environment variables they read `EVENTSTORE_PORT`, `EVENTSTORE_DATA_DIR`,
/// `EVENTSTORE_LIMITS_MAX_BODY_BYTES`, and so on.
public struct ServerSettings: Sendable {
    public var host: String
    public var port: Int
    /// Holds the topic catalog (and, for adapters that store locally, their default location).
    public var dataDirectory: String
    /// A JSON array of topic configurations attached at startup.
    public var topicsFile: String?
    /// Where topic configurations are kept: nil for `catalog.json` in the data directory, or a `postgres://` URL for
    /// a catalog that several server processes share.
    public var catalog: String?
    /// Directories inside which `fs` topics may live; `<data-dir>/topics` when empty.
    public var fileSystemAllowedRoots: [String]
    /// PostgreSQL servers new topics may name (`host[:port]`, addresses, CIDRs, socket directories); empty allows
    /// any server reachable over TCP.
    public var postgresAllow: [String]
    /// Whether topic connections may name files of this server (`passfile`, `sslkey`, ...).
    public var postgresAllowClientFiles: Bool
    /// The most bytes of event payload one memory topic holds.
    public var memoryTopicMaxBytes: Int
    /// The bearer tokens file (see `AccessTokens`); nil for none.
    public var tokensFile: String?
    /// Whether to serve without tokens on an address other than loopback.
    public var allowUnauthenticated: Bool
    /// Whether `GET /health` needs a token.
    public var privateHealth: Bool
    /// Whether `GET /metrics` needs a token.
    public var privateMetrics: Bool
    /// PEM certificate chain and private key: HTTPS when both are given.
    public var tlsCertificate: String?
    public var tlsKey: String?
    public var logLevel: Logger.Level
    /// A connection on which the server waits for the client (headers, body, next request) and gets nothing for
    /// this long is closed. A request being served (a long poll) is not idle.
    public var idleTimeout: Duration
    /// The most connections open at once; more wait to be accepted.
    public var maxConnections: Int
    public var httpLimits: HTTPLimits
    public var eventLimits: EventLimits
    public var readLimits: ReadLimits
    /// How subscriptions deliver callbacks.
    public var deliveryPolicy: DeliveryPolicy
    /// Callback destinations allowed (hosts, `*.domains`, addresses, CIDRs); empty allows every destination the
    /// deny list and the built-in refusals leave.
    public var callbackAllow: [String]
    /// Callback destinations refused, in the same forms.
    public var callbackDeny: [String]

    public init(
        host: String = "127.0.0.1",
        port: Int = 8080,
        dataDirectory: String = "./data",
        topicsFile: String? = nil,
        catalog: String? = nil,
        fileSystemAllowedRoots: [String] = [],
        postgresAllow: [String] = [],
        postgresAllowClientFiles: Bool = false,
        memoryTopicMaxBytes: Int = 1 << 30,
        tokensFile: String? = nil,
        allowUnauthenticated: Bool = false,
        privateHealth: Bool = false,
        privateMetrics: Bool = false,
        tlsCertificate: String? = nil,
        tlsKey: String? = nil,
        logLevel: Logger.Level = .info,
        idleTimeout: Duration = .seconds(60),
        maxConnections: Int = 4096,
        httpLimits: HTTPLimits = HTTPLimits(),
        eventLimits: EventLimits = EventLimits(),
        readLimits: ReadLimits = ReadLimits(),
        deliveryPolicy: DeliveryPolicy = DeliveryPolicy(),
        callbackAllow: [String] = [],
        callbackDeny: [String] = []
    ) {
        self.host = host
        self.port = port
        self.dataDirectory = dataDirectory
        self.topicsFile = topicsFile
        self.catalog = catalog
        self.fileSystemAllowedRoots = fileSystemAllowedRoots
        self.postgresAllow = postgresAllow
        self.postgresAllowClientFiles = postgresAllowClientFiles
        self.memoryTopicMaxBytes = memoryTopicMaxBytes
        self.tokensFile = tokensFile
        self.allowUnauthenticated = allowUnauthenticated
        self.privateHealth = privateHealth
        self.privateMetrics = privateMetrics
        self.tlsCertificate = tlsCertificate
        self.tlsKey = tlsKey
        self.logLevel = logLevel
        self.idleTimeout = idleTimeout
        self.maxConnections = maxConnections
        self.httpLimits = httpLimits
        self.eventLimits = eventLimits
        self.readLimits = readLimits
        self.deliveryPolicy = deliveryPolicy
        self.callbackAllow = callbackAllow
        self.callbackDeny = callbackDeny
    }

    /// Reads the settings, defaulting what is not configured.
    /// - Throws: `SettingsError` naming a value that is out of range or not understood.
    public init(reader: ConfigReader) throws {
        let config = reader.scoped(to: "eventstore")
        let defaults = ServerSettings()
        let http = HTTPLimits()
        let events = EventLimits()
        let reads = ReadLimits()
        self.host = config.string(forKey: "host", default: defaults.host)
        self.port = try Self.int(config.int(forKey: "port", default: defaults.port), "port", 0...65535)
        self.dataDirectory = config.string(forKey: "dataDir", default: defaults.dataDirectory)
        self.topicsFile = config.string(forKey: "topicsFile")
        self.catalog = try Self.catalog(config.string(forKey: "catalog", isSecret: true))
        self.fileSystemAllowedRoots = config.stringArray(forKey: "fs.allowedRoots", default: [])
        self.postgresAllow = config.stringArray(forKey: "postgres.allow", default: [])
        self.postgresAllowClientFiles = config.bool(forKey: "postgres.allowClientFiles", default: false)
        self.tokensFile = config.string(forKey: "tokensFile")
        self.allowUnauthenticated = config.bool(forKey: "allowUnauthenticated", default: false)
        self.privateHealth = config.bool(forKey: "privateHealth", default: false)
        self.privateMetrics = config.bool(forKey: "privateMetrics", default: false)
        self.tlsCertificate = config.string(forKey: "tls.cert")
        self.tlsKey = config.string(forKey: "tls.key")
        guard (self.tlsCertificate == nil) == (self.tlsKey == nil) else {
            throw SettingsError("--tls-cert and --tls-key go together: give both for HTTPS, or neither")
        }
        let level = config.string(forKey: "logLevel", default: defaults.logLevel.rawValue)
        guard let logLevel = Logger.Level(rawValue: level.lowercased()) else {
            throw SettingsError("log level '\(level)' is not one of trace, debug, info, notice, warning, error, critical")
        }
        self.logLevel = logLevel
        let limits = config.scoped(to: "limits")
        let positive = 1...Int.max
        self.idleTimeout = try Self.duration(
            config.double(forKey: "http.idleTimeoutSeconds", default: defaults.idleTimeout.inSeconds),
            "idle timeout",
            minimum: 0.001
        )
        self.maxConnections = try Self.int(config.int(forKey: "http.maxConnections", default: defaults.maxConnections), "max connections", positive)
        self.memoryTopicMaxBytes = try Self.int(
            config.int(forKey: "memory.maxTopicBytes", default: defaults.memoryTopicMaxBytes),
            "memory topic max bytes",
            positive
        )
        self.httpLimits = HTTPLimits(
            maxBodyBytes: try Self.int(limits.int(forKey: "maxBodyBytes", default: http.maxBodyBytes), "max body bytes", positive)
        )
        self.eventLimits = EventLimits(
            maxBatchSize: try Self.int(limits.int(forKey: "maxBatchSize", default: events.maxBatchSize), "max batch size", positive),
            maxTypeLength: try Self.int(limits.int(forKey: "maxTypeLength", default: events.maxTypeLength), "max type length", positive),
            maxKeyLength: try Self.int(limits.int(forKey: "maxKeyLength", default: events.maxKeyLength), "max key length", positive),
            maxTagLength: try Self.int(limits.int(forKey: "maxTagLength", default: events.maxTagLength), "max tag length", positive),
            maxTagsPerEvent: try Self.int(limits.int(forKey: "maxTagsPerEvent", default: events.maxTagsPerEvent), "max tags per event", 0...Int.max),
            maxMetadataEntries: try Self.int(
                limits.int(forKey: "maxMetadataEntries", default: events.maxMetadataEntries),
                "max metadata entries",
                0...Int.max
            ),
            maxMetadataKeyLength: try Self.int(
                limits.int(forKey: "maxMetadataKeyLength", default: events.maxMetadataKeyLength),
                "max metadata key length",
                positive
            ),
            maxMetadataValueLength: try Self.int(
                limits.int(forKey: "maxMetadataValueLength", default: events.maxMetadataValueLength),
                "max metadata value length",
                positive
            )
        )
        let maxPageSize = try Self.int(limits.int(forKey: "maxPageSize", default: reads.maxPageSize), "max page size", positive)
        self.readLimits = ReadLimits(
            maxPageSize: maxPageSize,
            defaultPageSize: min(reads.defaultPageSize, maxPageSize),
            maxWaitingReads: try Self.int(limits.int(forKey: "maxLongPolls", default: reads.maxWaitingReads), "max long polls", positive),
            maxPageBytes: try Self.int(limits.int(forKey: "maxPageBytes", default: reads.maxPageBytes), "max page bytes", positive)
        )

        let webhooks = config.scoped(to: "webhooks")
        let delivery = DeliveryPolicy()
        self.callbackAllow = webhooks.stringArray(forKey: "allow", default: [])
        self.callbackDeny = webhooks.stringArray(forKey: "deny", default: [])
        func seconds(_ key: ConfigKey, _ name: String, default value: Duration) throws -> Duration {
            try Self.duration(webhooks.double(forKey: key, default: value.inSeconds), name)
        }
        let maxBatchSize = min(delivery.maxBatchSize, maxPageSize)
        self.deliveryPolicy = DeliveryPolicy(
            defaultBatchSize: min(delivery.defaultBatchSize, maxBatchSize),
            maxBatchSize: maxBatchSize,
            timeout: try seconds("timeoutSeconds", "webhook timeout", default: delivery.timeout),
            backoff: Backoff(
                base: try seconds("backoffBaseSeconds", "webhook backoff base", default: delivery.backoff.base),
                cap: try seconds("backoffCapSeconds", "webhook backoff cap", default: delivery.backoff.cap)
            ),
            linger: try seconds("lingerSeconds", "webhook linger", default: delivery.linger),
            maxAttempts: try Self.int(webhooks.int(forKey: "maxAttempts", default: delivery.maxAttempts), "webhook max attempts", positive),
            retention: try seconds("retentionSeconds", "webhook retention", default: delivery.retention),
            maxSubscriptions: try Self.int(
                webhooks.int(forKey: "maxSubscriptions", default: delivery.maxSubscriptions),
                "max subscriptions",
                positive
            )
        )
    }

    /// The catalog setting: empty or `file` is the file catalog, a PostgreSQL URL the shared one.
    private static func catalog(_ value: String?) throws -> String? {
        guard let value, !value.isEmpty, value != "file" else { return nil }
        guard value.hasPrefix("postgres://") || value.hasPrefix("postgresql://") else {
            throw SettingsError("catalog must be 'file' (the default) or a postgres:// URL; the value given is neither")
        }
        return value
    }

    private static func duration(_ seconds: Double, _ name: String, minimum: Double = 0) throws -> Duration {
        guard seconds.isFinite, seconds >= minimum, seconds <= 86_400 else {
            throw SettingsError("\(name) must be between \(minimum == 0 ? "0" : "\(minimum)") and 86400 seconds, got \(seconds)")
        }
        return .milliseconds(Int64((seconds * 1000).rounded()))
    }

    private static func int(_ value: Int, _ name: String, _ range: ClosedRange<Int>) throws -> Int {
        guard range.contains(value) else {
            throw SettingsError("\(name) must be in \(range.lowerBound)...\(range.upperBound == .max ? "" : String(range.upperBound)), got \(value)")
        }
        return value
    }
}

/// A setting that cannot be used.
public struct SettingsError: Error, CustomStringConvertible {
    public var description: String

    init(_ description: String) {
        self.description = description
    }
}
