import Foundation
import Synchronization

/// A throwaway PostgreSQL cluster for tests: `initdb` in a temporary directory, a free port on 127.0.0.1, trust
/// authentication; run as the `postgres` user when the tests run as root (PostgreSQL refuses root). Binaries come
/// from `EVENTSTORE_TEST_PG_BIN` or `/usr/lib/postgresql/<version>/bin`.
///
/// `EVENTSTORE_TEST_POSTGRES_URL` replaces it with an existing server (tests then create and drop their own
/// databases in it; stopping and starting it is not possible: tests that need to are skipped, see
/// ``canRestart``).
public final class PostgresCluster: Sendable {
    /// The `postgres` database's URL.
    public let url: String
    public let port: Int
    private let directory: String?
    private let binaries: String
    /// The databases ``createDatabase()`` made, dropped by ``destroy()`` on an external server.
    private let createdDatabases = Mutex<[String]>([])
    /// Stops the server and removes the directory if the test process dies first (see ``watchdog(directory:binaries:)``).
    private let watchdog: ChildProcess?

    /// Whether tests may stop and start the server: only a throwaway cluster of their own, never the external
    /// server of `EVENTSTORE_TEST_POSTGRES_URL`.
    public static var canRestart: Bool { ProcessInfo.processInfo.environment["EVENTSTORE_TEST_POSTGRES_URL"] == nil }

    /// The cluster shared by a test process, started on first use and removed when the process exits.
    public static func shared() async throws -> PostgresCluster {
        try await blocking {
            try sharedCluster.withLock { cluster in
                if let cluster { return cluster }
                let started = try PostgresCluster.startBlocking()
                cluster = started
                atexit { try? PostgresCluster.sharedCluster.withLock { $0 }?.destroyBlocking() }
                return started
            }
        }
    }

    private static let sharedCluster = Mutex<PostgresCluster?>(nil)

    /// Starts a new cluster of its own (or uses the server of `EVENTSTORE_TEST_POSTGRES_URL`).
    public static func start() async throws -> PostgresCluster {
        try await blocking { try Self.startBlocking() }
    }

    /// Runs `body` with a cluster of its own, removed afterwards whether `body` succeeds or throws.
    public static func withOwnCluster(_ body: (PostgresCluster) async throws -> Void) async throws {
        let cluster = try await Self.start()
        do {
            try await body(cluster)
        } catch {
            try? await cluster.destroy()
            throw error
        }
        try await cluster.destroy()
    }

    private static func startBlocking() throws -> PostgresCluster {
        if let url = ProcessInfo.processInfo.environment["EVENTSTORE_TEST_POSTGRES_URL"] {
            return PostgresCluster(url: url, port: 0, directory: nil, binaries: "", watchdog: nil)
        }
        let binaries = try Self.findBinaries()
        let directory = TestScratch.path("pg")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let watchdog = try Self.watchdog(directory: directory, binaries: binaries)
        if getuid() == 0 { try Self.run("/bin/chown", ["postgres:postgres", directory]) }
        try Self.run("\(binaries)/initdb", ["-D", "\(directory)/data", "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"], asPostgres: true)
        let port = try LoopbackPort.free()
        let cluster = PostgresCluster(
            url: "postgresql://postgres@127.0.0.1:\(port)/postgres",
            port: port,
            directory: directory,
            binaries: binaries,
            watchdog: watchdog
        )
        try cluster.startServerBlocking()
        return cluster
    }

    private init(url: String, port: Int, directory: String?, binaries: String, watchdog: ChildProcess?) {
        self.url = url
        self.port = port
        self.directory = directory
        self.binaries = binaries
        self.watchdog = watchdog
    }

    /// `pg_ctl` leaves the server running on its own, so the test process's parent-death signal cannot reach it: a
    /// shell that gets SIGTERM when the test process dies stops the server and removes the directory. ``destroy()``
    /// asks it to do the same.
    private static func watchdog(directory: String, binaries: String) throws -> ChildProcess {
        let script = """
            directory=$1 pg_ctl=$2 user=$3
            cleanup() {
                if [ -n "$user" ]; then runuser -u "$user" -- "$pg_ctl" -D "$directory/data" -m immediate stop >/dev/null 2>&1
                else "$pg_ctl" -D "$directory/data" -m immediate stop >/dev/null 2>&1; fi
                rm -rf "$directory"
                kill "$pid" 2>/dev/null
                exit 0
            }
            trap cleanup TERM INT
            while :; do sleep 3600 & pid=$!; wait "$pid"; done
            """
        return try ChildProcess.spawnBlocking(
            "/bin/sh",
            ["-c", script, "watchdog", directory, "\(binaries)/pg_ctl", getuid() == 0 ? "postgres" : ""],
            deathSignal: "TERM"
        )
    }

    /// Creates an empty database and returns its URL.
    public func createDatabase() async throws -> String {
        let name = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        try await self.psql("CREATE DATABASE \(name)")
        self.createdDatabases.withLock { $0.append(name) }
        var components = URLComponents(string: self.url)!
        components.path = "/" + name
        return components.string!
    }

    /// Runs SQL with `psql` against the `postgres` database.
    public func psql(_ sql: String, database: String? = nil) async throws {
        try await blocking { try self.psqlBlocking(sql, database: database) }
    }

    private func psqlBlocking(_ sql: String, database: String? = nil) throws {
        let psql = self.binaries.isEmpty ? "/usr/bin/psql" : "\(self.binaries)/psql"
        try Self.run(psql, [database ?? self.url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
    }

    /// Stops the server (fast shutdown: open connections are cut).
    public func stopServer() async throws {
        try await blocking { try self.stopServerBlocking() }
    }

    private func stopServerBlocking() throws {
        guard let directory else { throw ClusterError(message: "an external server cannot be stopped by the tests") }
        try Self.run("\(self.binaries)/pg_ctl", ["-D", "\(directory)/data", "-m", "fast", "-w", "stop"], asPostgres: true)
    }

    /// Starts the server again on its port.
    public func startServer() async throws {
        try await blocking { try self.startServerBlocking() }
    }

    private func startServerBlocking() throws {
        guard let directory else { return }
        let options = "-p \(self.port) -k \(directory) -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300"
        try Self.run(
            "\(self.binaries)/pg_ctl",
            ["-D", "\(directory)/data", "-o", options, "-l", "\(directory)/server.log", "-w", "-t", "60", "start"],
            asPostgres: true
        )
    }

    /// Stops the server and removes its directory.
    public func destroy() async throws {
        try await blocking { try self.destroyBlocking() }
    }

    private func destroyBlocking() throws {
        guard let directory else {
            for name in self.createdDatabases.withLock({ $0 }) { try self.psqlBlocking("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
            return
        }
        try? self.stopServerBlocking()
        if let watchdog {
            watchdog.signal(SIGTERM)
            _ = watchdog.waitBlocking()
            watchdog.removeOutput()
        }
        if FileManager.default.fileExists(atPath: directory) { try FileManager.default.removeItem(atPath: directory) }
    }

    struct ClusterError: Error, CustomStringConvertible {
        var message: String
        var description: String { self.message }
    }

    private static func findBinaries() throws -> String {
        if let path = ProcessInfo.processInfo.environment["EVENTSTORE_TEST_PG_BIN"] { return path }
        let root = "/usr/lib/postgresql"
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
        for version in versions.sorted(by: { (Int($0) ?? 0) > (Int($1) ?? 0) })
        where FileManager.default.isExecutableFile(atPath: "\(root)/\(version)/bin/initdb") {
            return "\(root)/\(version)/bin"
        }
        throw ClusterError(
            message: "PostgreSQL server binaries not found under \(root) (apt install postgresql), and EVENTSTORE_TEST_PG_BIN is not set"
        )
    }

    /// Runs a command to its end, its output into a temporary file (shown when it fails). Its children must not hold
    /// the test process's descriptors: `pg_ctl start` leaves the server running with what it inherited
    /// (``ChildProcess`` closes them).
    private static func run(_ executable: String, _ arguments: [String], asPostgres: Bool = false) throws {
        let command = asPostgres && getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--", executable] + arguments : [executable] + arguments
        let child = try ChildProcess.spawnBlocking(command[0], Array(command.dropFirst()))
        let status = child.waitBlocking()
        guard status == 0 else {
            throw ClusterError(message: "\(command.joined(separator: " ")) failed (status \(status)):\n\(child.output)")
        }
    }
}
