import EventStoreCore
import EventStoreEngine
public import EventStoreRuntime
import HTTPAPI

/// The settings only the HTTP server takes: where it listens, access control, HTTP and publish limits, webhooks.
public enum ServerSetting {
    public static let host = Setting<String>("host", key: "host", scope: .server, default: "127.0.0.1", help: "Address to listen on.")
    public static let port = Setting<Int>("port", key: "port", scope: .server, default: 8080, help: "Port to listen on; 0 picks a free one.")
    public static let tokensFile = Setting<String?>(
        "tokens-file", key: "tokensFile", scope: .server, default: nil,
        help: "JSON array of bearer tokens {name, role, topics?, sha256}; when given, every request but /health/live and /openapi.yaml needs one. Make tokens with 'eventstore-api token create'."
    )
    public static let allowUnauthenticated = Setting<Bool>(
        "allow-unauthenticated", key: "allowUnauthenticated", scope: .server, default: false,
        help: "Serve without tokens on an address other than loopback."
    )
    public static let privateHealth = Setting<Bool>("private-health", key: "privateHealth", scope: .server, default: false, help: "GET /health needs a token too.")
    public static let privateMetrics = Setting<Bool>("private-metrics", key: "privateMetrics", scope: .server, default: false, help: "GET /metrics needs a token too.")
    public static let tlsCertificate = Setting<String?>(
        "tls-cert", key: "tls.cert", scope: .server, default: nil, help: "PEM certificate chain: serve HTTPS, with --tls-key."
    )
    public static let tlsKey = Setting<String?>("tls-key", key: "tls.key", scope: .server, default: nil, help: "PEM private key of --tls-cert.")
    public static let idleTimeout = Setting<Double>(
        "idle-timeout", key: "http.idleTimeoutSeconds", scope: .server, default: 60,
        help: "Seconds a connection may sit waiting for the client (headers, body, next request) before it is closed; a request being served is not idle."
    )
    public static let shutdownTimeout = Setting<Double>(
        "shutdown-timeout", key: "shutdownTimeoutSeconds", scope: .server, default: 25,
        help: "Seconds SIGTERM or SIGINT waits for in-flight requests and storage to finish (long polls end at once) before the rest is cancelled; the process then exits 0."
    )
    public static let streamHeartbeat = Setting<Double>(
        "stream-heartbeat", key: "stream.heartbeatSeconds", scope: .server, default: 15,
        help: "Seconds an event stream may go without an event before it sends a heartbeat comment."
    )
    public static let streamMaxBufferedBytes = Setting<Int>(
        "stream-max-buffered-bytes", key: "stream.maxBufferedBytes", scope: .server, default: 4 << 20,
        help: "Bytes an event stream holds for a client that reads too slowly; past it the client is disconnected."
    )
    public static let maxConnections = Setting<Int>(
        "max-connections", key: "http.maxConnections", scope: .server, default: 4096, help: "Most connections open at once; more wait to be accepted."
    )
    public static let maxLongPolls = Setting<Int>(
        "max-long-polls", key: "limits.maxLongPolls", scope: .server, default: ReadLimits().maxWaitingReads,
        help: "Most reads waiting for new events at once; more get 429."
    )
    public static let maxBodyBytes = Setting<Int>(
        "max-body-bytes", key: "limits.maxBodyBytes", scope: .server, default: HTTPLimits().maxBodyBytes,
        help: "Largest request body in bytes; a larger Content-Length gets 413 before the body is read."
    )
    public static let maxBatchSize = Setting<Int>(
        "max-batch-size", key: "limits.maxBatchSize", scope: .server, default: EventLimits().maxBatchSize, help: "Most events in one publish."
    )
    public static let maxTypeLength = Setting<Int>(
        "max-type-length", key: "limits.maxTypeLength", scope: .server, default: EventLimits().maxTypeLength, help: "Longest event type in bytes."
    )
    public static let maxKeyLength = Setting<Int>(
        "max-key-length", key: "limits.maxKeyLength", scope: .server, default: EventLimits().maxKeyLength, help: "Longest event key in bytes."
    )
    public static let maxTagLength = Setting<Int>(
        "max-tag-length", key: "limits.maxTagLength", scope: .server, default: EventLimits().maxTagLength, help: "Longest tag in bytes."
    )
    public static let maxTagsPerEvent = Setting<Int>(
        "max-tags-per-event", key: "limits.maxTagsPerEvent", scope: .server, default: EventLimits().maxTagsPerEvent, help: "Most tags on one event."
    )
    public static let maxMetadataEntries = Setting<Int>(
        "max-metadata-entries", key: "limits.maxMetadataEntries", scope: .server, default: EventLimits().maxMetadataEntries,
        help: "Most metadata entries on one event."
    )
    public static let maxMetadataKeyLength = Setting<Int>(
        "max-metadata-key-length", key: "limits.maxMetadataKeyLength", scope: .server, default: EventLimits().maxMetadataKeyLength,
        help: "Longest metadata key in bytes."
    )
    public static let maxMetadataValueLength = Setting<Int>(
        "max-metadata-value-length", key: "limits.maxMetadataValueLength", scope: .server, default: EventLimits().maxMetadataValueLength,
        help: "Longest metadata value in bytes."
    )
    public static let webhookAllow = Setting<[String]>(
        "webhook-allow", key: "webhooks.allow", scope: .server, default: [],
        help: "A callback destination allowed: host, *.domain, address, CIDR, or 'public' (every public address); repeat for more. Without any, only public destinations are called; when any is given, only these. Local development: --webhook-allow 127.0.0.1."
    )
    public static let webhookDeny = Setting<[String]>(
        "webhook-deny", key: "webhooks.deny", scope: .server, default: [],
        help: "A callback destination refused: host, *.domain, address or CIDR; repeat for more."
    )
    public static let webhookTimeout = Setting<Double>(
        "webhook-timeout", key: "webhooks.timeoutSeconds", scope: .server, default: DeliveryPolicy().timeout.inSeconds,
        help: "Seconds one callback may take."
    )
    public static let webhookMaxAttempts = Setting<Int>(
        "webhook-max-attempts", key: "webhooks.maxAttempts", scope: .server, default: DeliveryPolicy().maxAttempts,
        help: "Attempts per callback batch before a subscription fails."
    )
    public static let webhookBackoffBase = Setting<Double>(
        "webhook-backoff-base", key: "webhooks.backoffBaseSeconds", scope: .server, default: DeliveryPolicy().backoff.base.inSeconds,
        help: "Seconds of the first retry backoff, doubled per failure."
    )
    public static let webhookBackoffCap = Setting<Double>(
        "webhook-backoff-cap", key: "webhooks.backoffCapSeconds", scope: .server, default: DeliveryPolicy().backoff.cap.inSeconds,
        help: "Longest retry backoff in seconds."
    )
    public static let webhookLinger = Setting<Double>(
        "webhook-linger", key: "webhooks.lingerSeconds", scope: .server, default: DeliveryPolicy().linger.inSeconds,
        help: "Seconds a caught-up subscription waits before reading again, so more events share a callback."
    )
    public static let webhookRetention = Setting<Double>(
        "webhook-retention", key: "webhooks.retentionSeconds", scope: .server, default: DeliveryPolicy().retention.inSeconds,
        help: "Seconds a failed or ended subscription stays visible."
    )
    public static let maxSubscriptions = Setting<Int>(
        "max-subscriptions", key: "webhooks.maxSubscriptions", scope: .server, default: DeliveryPolicy().maxSubscriptions,
        help: "Most subscriptions at once."
    )

    /// Every setting `eventstore-api` takes: the runtime's, then the server's, in the order `--help` lists them.
    public static let all: [SettingDefinition] = RuntimeSetting.all + [
        host.definition, port.definition, tokensFile.definition, allowUnauthenticated.definition, privateHealth.definition,
        privateMetrics.definition, tlsCertificate.definition, tlsKey.definition, idleTimeout.definition, shutdownTimeout.definition, streamHeartbeat.definition, streamMaxBufferedBytes.definition, maxConnections.definition,
        maxLongPolls.definition, maxBodyBytes.definition, maxBatchSize.definition, maxTypeLength.definition, maxKeyLength.definition,
        maxTagLength.definition, maxTagsPerEvent.definition, maxMetadataEntries.definition, maxMetadataKeyLength.definition,
        maxMetadataValueLength.definition, webhookAllow.definition, webhookDeny.definition, webhookTimeout.definition,
        webhookMaxAttempts.definition, webhookBackoffBase.definition, webhookBackoffCap.definition, webhookLinger.definition,
        webhookRetention.definition, maxSubscriptions.definition,
    ]
}
