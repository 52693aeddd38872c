import ArgumentParser
import EventStoreRuntime
import EventStoreServer
import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import UnixSignals

/// `eventstore-api`: serves the REST API (the default subcommand), or makes tokens.
@main
struct EventStoreAPICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eventstore-api",
        abstract: "Serves the event store's REST API.",
        discussion: ServeCommand.settingsHelp,
        version: EventStoreVersion.current,
        subcommands: [ServeCommand.self, TokenCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}

/// `eventstore-api [serve] [settings]`: serves the REST API.
///
/// Its settings are declared once, in `RuntimeSetting` and `ServerSetting`; each can also be set through its
/// environment variable. A flag wins over the environment, which wins over the default.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serves the REST API (the default).",
        discussion: settingsHelp
    )

    static let settingsHelp = "SETTINGS (each also read from its environment variable):\n" + SettingArguments.help(ServerSetting.all)

    @Argument(parsing: .allUnrecognized, help: .hidden)
    var settings: [String] = []

    func validate() throws {
        do {
            _ = try SettingArguments.parse(self.settings, definitions: ServerSetting.all)
        } catch let error as SettingsError {
            throw ValidationError(error.description)
        }
    }

    func run() async throws {
        let settings = try ServerSettings(reader: EventStoreRuntime.configuration(arguments: self.settings, definitions: ServerSetting.all))
        EventStoreRuntime.bootstrapLogging(level: settings.runtime.logLevel)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "eventstore")

        let application = try await EventStoreApplication.build(
            settings: settings,
            logger: logger,
            renderMetrics: { registry.emitToBuffer() }
        )
        // SIGTERM or SIGINT: a graceful shutdown (stop accepting, end long polls, finish in-flight requests, close
        // storage); what is still running after --shutdown-timeout is cancelled.
        var configuration = ServiceGroupConfiguration(
            services: [.init(service: application)],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        configuration.maximumGracefulShutdownDuration = settings.shutdownTimeout
        do {
            try await ServiceGroup(configuration: configuration).run()
        } catch is CancellationError {
            logger.warning("eventstore-api stopped after --shutdown-timeout (\(settings.shutdownTimeout)): what was still running was cancelled")
        }
        logger.notice("eventstore-api stopped")
    }
}
