public import Configuration
import EventStoreCore
public import EventStoreEngine
public import EventStoreRuntime
public import HTTPAPI

/// Everything the HTTP server is configured with: the runtime's settings, and its own (``ServerSetting``).
public struct ServerSettings: Sendable {
    public var runtime: RuntimeSettings
    public var host: String
    public var port: Int
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
    /// A connection on which the server waits for the client (headers, body, next request) and gets nothing for
    /// this long is closed. A request being served (a long poll) is not idle.
    public var idleTimeout: Duration
    /// How long a graceful shutdown may take before what is left is cancelled.
    public var shutdownTimeout: Duration
    /// The most connections open at once; more wait to be accepted.
    public var maxConnections: Int
    public var httpLimits: HTTPLimits
    public var streamLimits: StreamLimits
    public var eventLimits: EventLimits
    /// How subscriptions deliver callbacks.
    public var deliveryPolicy: DeliveryPolicy
    /// Callback destinations allowed (hosts, `*.domains`, addresses, CIDRs); empty allows every destination the
    /// deny list and the built-in refusals leave.
    public var callbackAllow: [String]
    /// Callback destinations refused, in the same forms.
    public var callbackDeny: [String]

    /// Reads the settings, defaulting what is not configured.
    /// - Throws: `SettingsError` naming a value that is out of range or not understood.
    public init(reader: ConfigReader) throws {
        let positive = 1...Int.max
        self.runtime = try RuntimeSettings(reader: reader)
        self.runtime.readLimits.maxWaitingReads = try reader.value(ServerSetting.maxLongPolls, in: positive)
        self.host = reader.value(ServerSetting.host)
        self.port = try reader.value(ServerSetting.port, in: 0...65535)
        self.tokensFile = reader.value(ServerSetting.tokensFile)
        self.allowUnauthenticated = reader.value(ServerSetting.allowUnauthenticated)
        self.privateHealth = reader.value(ServerSetting.privateHealth)
        self.privateMetrics = reader.value(ServerSetting.privateMetrics)
        self.tlsCertificate = reader.value(ServerSetting.tlsCertificate)
        self.tlsKey = reader.value(ServerSetting.tlsKey)
        guard (self.tlsCertificate == nil) == (self.tlsKey == nil) else {
            throw SettingsError("--tls-cert and --tls-key go together: give both for HTTPS, or neither")
        }
        self.idleTimeout = try reader.duration(ServerSetting.idleTimeout, minimum: 0.001)
        self.shutdownTimeout = try reader.duration(ServerSetting.shutdownTimeout, minimum: 0.001)
        self.maxConnections = try reader.value(ServerSetting.maxConnections, in: positive)
        self.httpLimits = HTTPLimits(maxBodyBytes: try reader.value(ServerSetting.maxBodyBytes, in: positive))
        self.streamLimits = StreamLimits(
            heartbeat: try reader.duration(ServerSetting.streamHeartbeat, minimum: 0.01),
            maxBufferedBytes: try reader.value(ServerSetting.streamMaxBufferedBytes, in: 4096...(1 << 30))
        )
        self.eventLimits = EventLimits(
            maxBatchSize: try reader.value(ServerSetting.maxBatchSize, in: positive),
            maxTypeLength: try reader.value(ServerSetting.maxTypeLength, in: positive),
            maxKeyLength: try reader.value(ServerSetting.maxKeyLength, in: positive),
            maxTagLength: try reader.value(ServerSetting.maxTagLength, in: positive),
            maxTagsPerEvent: try reader.value(ServerSetting.maxTagsPerEvent, in: 0...Int.max),
            maxMetadataEntries: try reader.value(ServerSetting.maxMetadataEntries, in: 0...Int.max),
            maxMetadataKeyLength: try reader.value(ServerSetting.maxMetadataKeyLength, in: positive),
            maxMetadataValueLength: try reader.value(ServerSetting.maxMetadataValueLength, in: positive)
        )
        self.callbackAllow = reader.value(ServerSetting.webhookAllow)
        self.callbackDeny = reader.value(ServerSetting.webhookDeny)
        let delivery = DeliveryPolicy()
        let maxBatchSize = min(delivery.maxBatchSize, self.runtime.readLimits.maxPageSize)
        self.deliveryPolicy = DeliveryPolicy(
            defaultBatchSize: min(delivery.defaultBatchSize, maxBatchSize),
            maxBatchSize: maxBatchSize,
            timeout: try reader.duration(ServerSetting.webhookTimeout),
            backoff: Backoff(base: try reader.duration(ServerSetting.webhookBackoffBase), cap: try reader.duration(ServerSetting.webhookBackoffCap)),
            linger: try reader.duration(ServerSetting.webhookLinger),
            maxAttempts: try reader.value(ServerSetting.webhookMaxAttempts, in: positive),
            retention: try reader.duration(ServerSetting.webhookRetention),
            maxSubscriptions: try reader.value(ServerSetting.maxSubscriptions, in: positive)
        )
    }
}
