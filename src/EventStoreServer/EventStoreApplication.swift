import EventStoreCore
import EventStoreEngine
import EventStoreRuntime
import HTTPAPI
public import Hummingbird
import HummingbirdCore
import HummingbirdTLS
public import Logging
import NIOCore
import NIOPosix
import NIOSSL
import WebhookCallbacks

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Wires the hexagon together: adapters behind the engine, the REST API in front, one lifecycle for all.
public enum EventStoreApplication {
    /// Returns the application; running it attaches the topics, then listens.
    ///
    /// Startup order, under the application's service group (so SIGTERM during a long startup is a graceful
    /// shutdown too): the catalog's topics are attached, then the topics file's, then the HTTP listener opens. At graceful shutdown the listener stops and finishes in-flight requests first, then
    /// subscriptions stop delivering, then every topic's log is closed.
    /// - Parameters:
    ///   - settings: the server's settings.
    ///   - logger: the root logger.
    ///   - renderMetrics: renders the process's metrics for `GET /metrics`.
    ///   - onServerRunning: called with the bound port once the server listens.
    /// - Throws: when the settings cannot be used (the tokens file, TLS); running the application throws when the
    ///   catalog or the topics file cannot be read, or a declared topic conflicts.
    public static func build(
        settings: ServerSettings,
        logger: Logger,
        renderMetrics: @escaping @Sendable () -> [UInt8] = { [] },
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> some ApplicationProtocol {
        let access = try await Self.accessPolicy(settings: settings, logger: logger)
        let server = try Self.server(settings: settings)
        let runtime = try EventStoreRuntime(settings: settings.runtime, leaseHolder: EventStoreRuntime.leaseHolder("eventstore-api"), logger: logger)
        let registry = runtime.registry
        let topics = runtime.topics
        let reader = runtime.reader
        let sender = WebhookSender(
            policy: try DestinationPolicy(allow: settings.callbackAllow, deny: settings.callbackDeny),
            threadPool: runtime.storageThreads,
            maxConnectionsPerHost: settings.deliveryPolicy.maxSubscriptions,
            userAgent: "eventstore/\(EventStoreVersion.current)"
        )
        let subscriptions = SubscriptionService(
            registry: registry,
            reader: reader,
            sender: sender,
            policy: settings.deliveryPolicy,
            logger: logger
        )

        let router = EventStoreRouter.build(
            EventStoreRouter.Dependencies(
                topicCommands: topics,
                topicQueries: topics,
                eventCommands: EventPublisher(topics: registry, limits: settings.eventLimits),
                eventQueries: reader,
                eventStreams: EventStreamer(reader: reader, registry: registry, pageSize: settings.runtime.readLimits.defaultPageSize),
                subscriptionCommands: subscriptions,
                subscriptionQueries: subscriptions,
                projectionCommands: topics,
                projectionQueries: runtime.projections,
                limits: settings.httpLimits,
                streamLimits: settings.streamLimits,
                defaultPageSize: settings.runtime.readLimits.defaultPageSize,
                version: EventStoreVersion.current,
                renderMetrics: renderMetrics,
                access: access
            ),
            middlewares: [MetricsMiddleware()]
        )
        var application = Application(
            router: router,
            server: server,
            configuration: .init(
                address: .hostname(settings.host, port: settings.port),
                serverName: nil,
                availableConnectionsDelegate: .maximum(settings.maxConnections, logger: logger)
            ),
            services: runtime.services + [WebhookClientService(sender: sender), subscriptions],
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? settings.port
                logger.notice("eventstore-api listening", metadata: ["host": "\(settings.host)", "port": "\(port)"])
                await onServerRunning(port)
            },
            logger: logger
        )
        application.beforeServerStarts { try await runtime.attachTopics() }
        return application
    }

    /// Who may do what: the tokens file's tokens, or no access control when there is none. Serving an address other
    /// than loopback without tokens needs `--allow-unauthenticated`.
    static func accessPolicy(settings: ServerSettings, logger: Logger) async throws -> AccessPolicy {
        guard let path = settings.tokensFile else {
            guard Self.isLoopback(settings.host) || settings.allowUnauthenticated else {
                throw SettingsError(
                    "listening on \(settings.host), which is not loopback, needs bearer tokens (--tokens-file); --allow-unauthenticated serves without them"
                )
            }
            if !Self.isLoopback(settings.host) {
                logger.warning("Serving without access control on an address other than loopback", metadata: ["host": "\(settings.host)"])
            }
            return AccessPolicy(tokens: nil)
        }
        let bytes = try await EventStoreRuntime.read(path, "the tokens file")
        do {
            return AccessPolicy(tokens: try AccessTokens(json: bytes), privateHealth: settings.privateHealth, privateMetrics: settings.privateMetrics)
        } catch {
            throw SettingsError("the tokens file \(path) cannot be used: \(error)")
        }
    }

    /// Whether `host` only listens on this machine: `localhost`, `::1` or an IPv4 address in 127.0.0.0/8.
    static func isLoopback(_ host: String) -> Bool {
        guard host != "localhost", host != "::1", host != "[::1]" else { return true }
        var address = in_addr()
        guard inet_pton(AF_INET, host, &address) == 1 else { return false }
        return UInt32(bigEndian: address.s_addr) >> 24 == 127
    }

    /// HTTP/1.1, over TLS when a certificate and key are configured; idle connections closed after the idle timeout.
    static func server(settings: ServerSettings) throws -> HTTPServerBuilder {
        let http1 = HTTPServerBuilder.http1(configuration: .init(idleTimeout: TimeAmount(settings.idleTimeout)))
        guard let certificatePath = settings.tlsCertificate, let keyPath = settings.tlsKey else { return http1 }
        do {
            let certificates = try NIOSSLCertificate.fromPEMFile(certificatePath).map { NIOSSLCertificateSource.certificate($0) }
            let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
            let configuration = TLSConfiguration.makeServerConfiguration(certificateChain: certificates, privateKey: .privateKey(key))
            return try .tls(http1, tlsConfiguration: configuration)
        } catch {
            throw SettingsError("the TLS certificate \(certificatePath) or key \(keyPath) cannot be used: \(error)")
        }
    }
}
