import EventStoreTesting
import Foundation

/// Runs `eventstore-replay` (built beside `eventstore-api`) as a child process.
enum ReplayProcess {
    struct Outcome {
        var status: Int32
        var output: String
    }

    static func binary() throws -> String {
        try ServerProcess.binary().deletingLastPathComponent().appendingPathComponent("eventstore-replay").path
    }

    /// Starts a replay; the caller waits for it (or kills it).
    static func start(_ arguments: [String], environment: [String: String] = [:]) async throws -> ChildProcess {
        var env = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("EVENTSTORE_") }
        env.merge(environment) { $1 }
        return try await ChildProcess.spawn(try Self.binary(), arguments, environment: env, deathSignal: "TERM")
    }

    /// Runs a replay to its end.
    static func run(_ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(120)) async throws -> Outcome {
        let child = try await Self.start(arguments, environment: environment)
        let status = try await child.waitForExit(timeout: timeout)
        defer { child.removeOutput() }
        return Outcome(status: status, output: child.output)
    }
}
