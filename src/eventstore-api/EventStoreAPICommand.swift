import ArgumentParser
import Configuration
import EventStoreServer
import Hummingbird
import Logging
import Metrics
import Prometheus

/// `eventstore-api`: serves the REST API.
///
/// Every option can also be set through its environment variable (shown in `--help`); a flag wins over the
/// environment, which wins over the default.
@main
struct EventStoreAPICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eventstore-api",
        abstract: "Serves the event store's REST API.",
        version: EventStoreVersion.current,
        subcommands: [TokenCommand.self]
    )

    @Option(help: "Address to listen on (EVENTSTORE_HOST). Default: 127.0.0.1.")
    var host: String?

    @Option(help: "Port to listen on; 0 picks a free one (EVENTSTORE_PORT). Default: 8080.")
    var port: Int?

    @Option(help: "Directory holding the topic catalog (EVENTSTORE_DATA_DIR). Default: ./data.")
    var dataDir: String?

    @Option(help: "JSON array of topic configurations to attach at startup (EVENTSTORE_TOPICS_FILE).")
    var topicsFile: String?

    @Option(
        help:
            "Where topic configurations are kept: 'file' (catalog.json in the data directory) or a postgres:// URL shared by several server processes (EVENTSTORE_CATALOG). Default: file."
    )
    var catalog: String?

    @Option(
        name: .customLong("fs-allowed-root"),
        help: "A directory fs topics may live in; repeat for more (EVENTSTORE_FS_ALLOWED_ROOTS, comma-separated). Default: <data-dir>/topics."
    )
    var fileSystemAllowedRoots: [String] = []

    @Option(
        name: .customLong("postgres-allow"),
        help:
            "A PostgreSQL server new topics may name: host[:port], address or CIDR[:port], [v6]:port, or a Unix socket directory; repeat for more. Without any, every server reachable over TCP is allowed: then only trusted callers should create topics (EVENTSTORE_POSTGRES_ALLOW, comma-separated)."
    )
    var postgresAllow: [String] = []

    @Flag(
        name: .customLong("postgres-allow-client-files"),
        help: "Let topic connections name files of this server: passfile, service, sslkey, sslcert, sslrootcert, sslcrl, sslcrldir (EVENTSTORE_POSTGRES_ALLOW_CLIENT_FILES)."
    )
    var postgresAllowClientFiles = false

    @Option(
        help:
            "JSON array of bearer tokens {name, role, topics?, sha256}; when given, every request but /health/live and /openapi.yaml needs one (EVENTSTORE_TOKENS_FILE). Make tokens with 'eventstore-api token create'."
    )
    var tokensFile: String?

    @Flag(help: "Serve without tokens on an address other than loopback (EVENTSTORE_ALLOW_UNAUTHENTICATED).")
    var allowUnauthenticated = false

    @Flag(help: "GET /health needs a token too (EVENTSTORE_PRIVATE_HEALTH).")
    var privateHealth = false

    @Flag(help: "GET /metrics needs a token too (EVENTSTORE_PRIVATE_METRICS).")
    var privateMetrics = false

    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain: serve HTTPS, with --tls-key (EVENTSTORE_TLS_CERT).")
    var tlsCertificate: String?

    @Option(name: .customLong("tls-key"), help: "PEM private key of --tls-cert (EVENTSTORE_TLS_KEY).")
    var tlsKey: String?

    @Option(help: "trace, debug, info, notice, warning, error or critical (EVENTSTORE_LOG_LEVEL). Default: info.")
    var logLevel: String?

    @Option(
        help:
            "Seconds a connection may sit waiting for the client (headers, body, next request) before it is closed; a request being served is not idle (EVENTSTORE_HTTP_IDLE_TIMEOUT_SECONDS). Default: 60."
    )
    var idleTimeout: Double?

    @Option(help: "Most connections open at once; more wait to be accepted (EVENTSTORE_HTTP_MAX_CONNECTIONS). Default: 4096.")
    var maxConnections: Int?

    @Option(help: "Most reads waiting for new events at once; more get 429 (EVENTSTORE_LIMITS_MAX_LONG_POLLS). Default: 1024.")
    var maxLongPolls: Int?

    @Option(help: "Largest request body in bytes; a larger Content-Length gets 413 before the body is read (EVENTSTORE_LIMITS_MAX_BODY_BYTES). Default: 1048576.")
    var maxBodyBytes: Int?

    @Option(help: "Most events in one publish (EVENTSTORE_LIMITS_MAX_BATCH_SIZE). Default: 1000.")
    var maxBatchSize: Int?

    @Option(help: "Longest event type in bytes (EVENTSTORE_LIMITS_MAX_TYPE_LENGTH). Default: 256.")
    var maxTypeLength: Int?

    @Option(help: "Longest event key in bytes (EVENTSTORE_LIMITS_MAX_KEY_LENGTH). Default: 512.")
    var maxKeyLength: Int?

    @Option(help: "Longest tag in bytes (EVENTSTORE_LIMITS_MAX_TAG_LENGTH). Default: 256.")
    var maxTagLength: Int?

    @Option(help: "Most tags on one event (EVENTSTORE_LIMITS_MAX_TAGS_PER_EVENT). Default: 64.")
    var maxTagsPerEvent: Int?

    @Option(help: "Most metadata entries on one event (EVENTSTORE_LIMITS_MAX_METADATA_ENTRIES). Default: 64.")
    var maxMetadataEntries: Int?

    @Option(help: "Longest metadata key in bytes (EVENTSTORE_LIMITS_MAX_METADATA_KEY_LENGTH). Default: 256.")
    var maxMetadataKeyLength: Int?

    @Option(help: "Longest metadata value in bytes (EVENTSTORE_LIMITS_MAX_METADATA_VALUE_LENGTH). Default: 4096.")
    var maxMetadataValueLength: Int?

    @Option(help: "Largest read page (EVENTSTORE_LIMITS_MAX_PAGE_SIZE). Default: 10000.")
    var maxPageSize: Int?

    @Option(
        help:
            "Bytes of event payload after which a page or a callback batch ends early, with next_offset to continue; at least one event each (EVENTSTORE_LIMITS_MAX_PAGE_BYTES). Default: 8388608."
    )
    var maxPageBytes: Int?

    @Option(help: "Bytes of event payload one memory topic may hold; a publish past it gets 507 (EVENTSTORE_MEMORY_MAX_TOPIC_BYTES). Default: 1073741824.")
    var memoryTopicMaxBytes: Int?

    @Option(
        name: .customLong("webhook-allow"),
        help:
            "A callback destination allowed: host, *.domain, address, CIDR, or 'public' (every public address); repeat for more. Without any, only public destinations are called; when any is given, only these (EVENTSTORE_WEBHOOKS_ALLOW, comma-separated). Local development: --webhook-allow 127.0.0.1."
    )
    var webhookAllow: [String] = []

    @Option(
        name: .customLong("webhook-deny"),
        help: "A callback destination refused: host, *.domain, address or CIDR; repeat for more (EVENTSTORE_WEBHOOKS_DENY, comma-separated)."
    )
    var webhookDeny: [String] = []

    @Option(help: "Seconds one callback may take (EVENTSTORE_WEBHOOKS_TIMEOUT_SECONDS). Default: 10.")
    var webhookTimeout: Double?

    @Option(help: "Attempts per callback batch before a subscription fails (EVENTSTORE_WEBHOOKS_MAX_ATTEMPTS). Default: 10.")
    var webhookMaxAttempts: Int?

    @Option(help: "Seconds of the first retry backoff, doubled per failure (EVENTSTORE_WEBHOOKS_BACKOFF_BASE_SECONDS). Default: 0.5.")
    var webhookBackoffBase: Double?

    @Option(help: "Longest retry backoff in seconds (EVENTSTORE_WEBHOOKS_BACKOFF_CAP_SECONDS). Default: 60.")
    var webhookBackoffCap: Double?

    @Option(
        help:
            "Seconds a caught-up subscription waits before reading again, so more events share a callback (EVENTSTORE_WEBHOOKS_LINGER_SECONDS). Default: 0."
    )
    var webhookLinger: Double?

    @Option(help: "Seconds a failed or ended subscription stays visible (EVENTSTORE_WEBHOOKS_RETENTION_SECONDS). Default: 900.")
    var webhookRetention: Double?

    @Option(help: "Most subscriptions at once (EVENTSTORE_WEBHOOKS_MAX_SUBSCRIPTIONS). Default: 1000.")
    var maxSubscriptions: Int?

    func run() async throws {
        let settings = try ServerSettings(
            reader: ConfigReader(providers: [
                InMemoryProvider(name: "arguments", values: self.flagValues()),
                EnvironmentVariablesProvider(),
            ])
        )
        let level = settings.logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "eventstore")

        let application = try await EventStoreApplication.build(
            settings: settings,
            logger: logger,
            renderMetrics: { registry.emitToBuffer() }
        )
        try await application.runService()
        logger.notice("eventstore-api stopped")
    }

    /// The flags given on the command line, as configuration values.
    private func flagValues() -> [AbsoluteConfigKey: ConfigValue] {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        func set(_ key: String, _ value: String?) {
            if let value { values[AbsoluteConfigKey(key.split(separator: ".").map(String.init))] = .init(.string(value), isSecret: false) }
        }
        func set(_ key: String, _ value: Int?) {
            if let value { values[AbsoluteConfigKey(key.split(separator: ".").map(String.init))] = .init(.int(value), isSecret: false) }
        }
        func set(_ key: String, _ value: Double?) {
            if let value { values[AbsoluteConfigKey(key.split(separator: ".").map(String.init))] = .init(.double(value), isSecret: false) }
        }
        func set(_ key: String, _ value: Bool) {
            if value { values[AbsoluteConfigKey(key.split(separator: ".").map(String.init))] = .init(.bool(true), isSecret: false) }
        }
        func set(_ key: String, _ value: [String]) {
            if !value.isEmpty { values[AbsoluteConfigKey(key.split(separator: ".").map(String.init))] = .init(.stringArray(value), isSecret: false) }
        }
        set("eventstore.host", self.host)
        set("eventstore.port", self.port)
        set("eventstore.dataDir", self.dataDir)
        set("eventstore.topicsFile", self.topicsFile)
        set("eventstore.catalog", self.catalog)
        set("eventstore.fs.allowedRoots", self.fileSystemAllowedRoots)
        set("eventstore.postgres.allow", self.postgresAllow)
        set("eventstore.postgres.allowClientFiles", self.postgresAllowClientFiles)
        set("eventstore.tokensFile", self.tokensFile)
        set("eventstore.allowUnauthenticated", self.allowUnauthenticated)
        set("eventstore.privateHealth", self.privateHealth)
        set("eventstore.privateMetrics", self.privateMetrics)
        set("eventstore.tls.cert", self.tlsCertificate)
        set("eventstore.tls.key", self.tlsKey)
        set("eventstore.logLevel", self.logLevel)
        set("eventstore.http.idleTimeoutSeconds", self.idleTimeout)
        set("eventstore.http.maxConnections", self.maxConnections)
        set("eventstore.limits.maxLongPolls", self.maxLongPolls)
        set("eventstore.limits.maxBodyBytes", self.maxBodyBytes)
        set("eventstore.limits.maxBatchSize", self.maxBatchSize)
        set("eventstore.limits.maxTypeLength", self.maxTypeLength)
        set("eventstore.limits.maxKeyLength", self.maxKeyLength)
        set("eventstore.limits.maxTagLength", self.maxTagLength)
        set("eventstore.limits.maxTagsPerEvent", self.maxTagsPerEvent)
        set("eventstore.limits.maxMetadataEntries", self.maxMetadataEntries)
        set("eventstore.limits.maxMetadataKeyLength", self.maxMetadataKeyLength)
        set("eventstore.limits.maxMetadataValueLength", self.maxMetadataValueLength)
        set("eventstore.limits.maxPageSize", self.maxPageSize)
        set("eventstore.limits.maxPageBytes", self.maxPageBytes)
        set("eventstore.memory.maxTopicBytes", self.memoryTopicMaxBytes)
        set("eventstore.webhooks.allow", self.webhookAllow)
        set("eventstore.webhooks.deny", self.webhookDeny)
        set("eventstore.webhooks.timeoutSeconds", self.webhookTimeout)
        set("eventstore.webhooks.maxAttempts", self.webhookMaxAttempts)
        set("eventstore.webhooks.backoffBaseSeconds", self.webhookBackoffBase)
        set("eventstore.webhooks.backoffCapSeconds", self.webhookBackoffCap)
        set("eventstore.webhooks.lingerSeconds", self.webhookLinger)
        set("eventstore.webhooks.retentionSeconds", self.webhookRetention)
        set("eventstore.webhooks.maxSubscriptions", self.maxSubscriptions)
        return values
    }
}
