import ArgumentParser
import EventStoreCore
import EventStoreEngine
import EventStoreRuntime
import Foundation
import Logging
import ServiceLifecycle
import UnixSignals

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `eventstore-replay`: rebuilds a topic's projections from its events.
///
/// Exit status: 0 done, 1 failed (the message names the topic or projection), 2 usage.
@main
enum ReplayMain {
    static func main() async {
        let command: ReplayCommand
        do {
            let parsed = try ReplayCommand.parseAsRoot(Array(CommandLine.arguments.dropFirst()))
            guard let replay = parsed as? ReplayCommand else {
                // --help and --version parse as commands of their own.
                print(ReplayCommand.helpMessage())
                exit(0)
            }
            command = replay
        } catch {
            let message = ReplayCommand.fullMessage(for: error)
            if ReplayCommand.exitCode(for: error) == .success {
                print(message)
                exit(0)
            }
            FileHandle.standardError.write(message + "\n")
            exit(2)
        }
        do {
            try await command.run()
            exit(0)
        } catch {
            FileHandle.standardError.write("eventstore-replay: \(Self.describe(error))\n")
            exit(1)
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? EventStoreError { return error.message }
        if error is CancellationError { return "interrupted; the old generation is still served" }
        return "\(error)"
    }
}

struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eventstore-replay",
        abstract: "Rebuilds a topic's projections from its events, into new generations swapped in when done.",
        discussion: """
            Reads the topic straight from its storage (an fs topic read-only, up to the head its writer made durable), \
            whether or not a server holds it; a running server notices the new generation within a second. With \
            --server, asks that server to rebuild instead (the only way for memory topics) and follows its progress. \
            Exit status: 0 done, 1 failed, 2 usage.

            SETTINGS (the same as eventstore-api's, each also read from its environment variable):

            """ + SettingArguments.help(RuntimeSetting.all)
    )

    @Option(help: "The topic whose projections to rebuild.")
    var topic: String

    @Option(help: "The projection to rebuild. Default: every projection of the topic.")
    var projection: String?

    @Option(help: "The URL of a running server to rebuild through (http://host:port or https://...).")
    var server: String?

    @Option(help: "The bearer token for --server (EVENTSTORE_TOKEN).")
    var token: String?

    @Option(help: "PEM certificates to trust for an https --server.")
    var caFile: String?

    @Flag(help: "Only read every event of the topic as a rebuild would, fold and write nothing, and print the read rate (tells storage speed from fold speed).")
    var scan = false

    @Argument(parsing: .allUnrecognized, help: .hidden)
    var settings: [String] = []

    func validate() throws {
        do {
            _ = try TopicName(self.topic)
            _ = try self.projection.map { try ProjectionName($0) }
            _ = try SettingArguments.parse(self.settings, definitions: RuntimeSetting.all)
        } catch let error as EventStoreError {
            throw ValidationError(error.message)
        } catch let error as SettingsError {
            throw ValidationError(error.description)
        }
        if self.server == nil, self.token != nil || self.caFile != nil {
            throw ValidationError("--token and --ca-file go with --server")
        }
        if self.scan, self.server != nil || self.projection != nil {
            throw ValidationError("--scan reads the topic's storage: it goes without --server and --projection")
        }
    }

    func run() async throws {
        let settings = try RuntimeSettings(reader: EventStoreRuntime.configuration(arguments: self.settings, definitions: RuntimeSetting.all))
        EventStoreRuntime.bootstrapLogging(level: settings.logLevel == .info ? .warning : settings.logLevel)
        let logger = Logger(label: "eventstore-replay")
        let topic = try TopicName(self.topic)
        let projection = try self.projection.map { try ProjectionName($0) }
        let display = ProgressDisplay(topic: topic)
        if let server = self.server {
            let token = self.token ?? ProcessInfo.processInfo.environment["EVENTSTORE_TOKEN"]
            try await ServerRebuild(url: server, token: token, caFile: self.caFile, topic: topic, display: display).run(projection)
            return
        }
        try await self.rebuildLocally(topic, projection, settings: settings, display: display, logger: logger)
    }

    /// Rebuilds from storage under a service group of its own: the runtime's services (the topics service closes the
    /// adapters and the catalog, then the thread pools shut down) and the rebuild, which SIGINT or SIGTERM cancels
    /// (an interrupted rebuild drops its partial generation) and whose end ends the group.
    private func rebuildLocally(_ topic: TopicName, _ projection: ProjectionName?, settings: RuntimeSettings, display: ProgressDisplay, logger: Logger) async throws {
        let holder = EventStoreRuntime.leaseHolder("eventstore-replay")
        let runtime = try EventStoreRuntime(settings: settings, leaseHolder: holder, logger: logger)
        let scan = self.scan
        let replay = ReplayService {
            try await Self.rebuild(topic, projection, scan: scan, runtime: runtime, holder: holder, settings: settings, display: display, logger: logger)
        }
        let services = runtime.services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) } + [
            .init(service: replay, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup)
        ]
        try await ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)).run()
    }

    private static func rebuild(
        _ topic: TopicName,
        _ projection: ProjectionName?,
        scan: Bool,
        runtime: EventStoreRuntime,
        holder: String,
        settings: RuntimeSettings,
        display: ProgressDisplay,
        logger: Logger
    ) async throws {
        let (configuration, log, store) = try await runtime.openForReplay(topic, logger: logger)
        if scan {
            try await Self.scan(log, topic: topic, logger: logger)
            return
        }
        let names = projection.map { [$0] } ?? configuration.projections.map(\.name)
        if let projection, !configuration.projections.contains(where: { $0.name == projection }) {
            throw EventStoreError(.projectionNotFound, "topic '\(topic)' has no projection '\(projection)'")
        }
        guard !names.isEmpty else {
            display.note("topic '\(topic)' has no projections: nothing to rebuild")
            return
        }
        let replay = ProjectionReplay(
            configuration: configuration,
            log: log,
            store: store,
            kinds: EventStoreRuntime.projectionKinds,
            holder: holder,
            readLimits: settings.readLimits,
            logger: logger
        )
        for name in names {
            display.start(name)
            do {
                let generation = try await replay.rebuild(name) { display.update($0.position, of: $0.head) }
                display.finish(name, generation: generation.generation, checkpoint: generation.checkpoint)
            } catch {
                display.abandon()
                if error is CancellationError { throw error }
                throw EventStoreError(.storageUnavailable, "projection '\(name)' of topic '\(topic)': \(ReplayMain.describe(error))")
            }
        }
        try await store.close(logger: logger)
        try await log.close(logger: logger)
    }
}

/// The rebuild as a service: a graceful shutdown (SIGINT, SIGTERM) cancels it.
struct ReplayService: Service {
    let work: @Sendable () async throws -> Void

    func run() async throws {
        try await cancelWhenGracefulShutdown { try await self.work() }
    }
}

extension ReplayCommand {
    /// Reads every event below the head in pages as a rebuild does, and prints the rate.
    static func scan(_ log: any EventLog, topic: TopicName, logger: Logger) async throws {
        let limits = ReadLimits()
        let started = ContinuousClock.now
        let head = try await log.head(logger: logger)
        var position: Int64 = 0
        var events = 0
        var bytes = 0
        while position < head {
            let page = try await log.read(from: position, limit: limits.maxPageSize, maxBytes: limits.maxPageBytes, filter: .all, logger: logger)
            events += page.events.count
            bytes += page.events.reduce(0) { $0 + $1.payloadSize }
            position = page.nextOffset
        }
        let seconds = max((ContinuousClock.now - started).inSeconds, 0.001)
        print("scanned topic '\(topic)': \(events) events (\(bytes) payload bytes) in \(Double(Int(seconds * 100)) / 100) s (\(Int(Double(events) / seconds)) events/s)")
    }
}
