import EventStoreTesting
import Testing

@testable import PostgresStorage

/// The Swift layer over libpq against a real, throwaway PostgreSQL.
@Suite struct PGConnectionTests {
    @Test func aFailingStatementInAPipelineStopsTheRestAndLeavesTheConnectionUsable() async throws {
        let connection = try PGConnection(connectionString: try await PostgresCluster.shared().createDatabase())
        try connection.query("CREATE TABLE t (n integer)")
        do {
            try connection.pipeline([
                PGStatement(sql: "BEGIN"),
                PGStatement(sql: "INSERT INTO t VALUES ($1)", parameters: ["1"]),
                PGStatement(sql: "SELECT 1 / $1::integer", parameters: ["0"]),
                PGStatement(sql: "INSERT INTO t VALUES ($1)", parameters: ["2"]),
                PGStatement(sql: "COMMIT"),
            ])
            Issue.record("the division by zero was not reported")
        } catch {
            #expect(error.sqlState == "22012", "\(error)")
        }
        #expect(connection.isOpen)
        try connection.query("ROLLBACK")
        #expect(try connection.query("SELECT count(*) FROM t").int(0, 0) == 0, "nothing of the failed transaction is kept")

        let rows = try connection.pipeline([
            PGStatement(sql: "INSERT INTO t VALUES ($1)", parameters: ["3"]),
            PGStatement(sql: "SELECT n, $1::text FROM t", parameters: [nil]),
        ])
        #expect(rows.count == 2)
        #expect(rows[1].int(0, 0) == 3)
        #expect(rows[1].string(0, 1) == nil, "a nil parameter is SQL NULL")
    }

    @Test func preparedStatementsSurviveTheirTableBeingReplaced() async throws {
        let connection = try PGConnection(connectionString: try await PostgresCluster.shared().createDatabase())
        try connection.query("CREATE TABLE t (n integer)")
        try connection.query("INSERT INTO t VALUES (1)")
        #expect(try connection.query("SELECT n FROM t WHERE n >= $1", ["0"], prepared: true).int(0, 0) == 1)
        try connection.query("DROP TABLE t")
        try connection.query("CREATE TABLE t (n integer)")
        try connection.query("INSERT INTO t VALUES (2)")
        #expect(try connection.query("SELECT n FROM t WHERE n >= $1", ["0"], prepared: true).int(0, 0) == 2)
    }

    @Test func anIdleConnectionTheServerClosedIsReplacedBeforeUse() async throws {
        let cluster = try await PostgresCluster.shared()
        let pool = PGConnectionPool(connectionString: cluster.url, size: 1, threadPool: PostgresEventLogTests.threadPool)
        defer { pool.close() }
        let first = try await pool.withConnection { try $0.query("SELECT pg_backend_pid()").string(0, 0) }
        try await Self.terminateBackend(first ?? "0", cluster: cluster)
        let second = try await pool.withConnection { try $0.query("SELECT pg_backend_pid()").string(0, 0) }
        #expect(second != nil && second != first, "a new connection, and no error for the caller")
    }

    @Test func aStatementThatCannotBePreparedIsAnErrorAndTheConnectionStaysUsable() async throws {
        let connection = try PGConnection(connectionString: try await PostgresCluster.shared().url)
        do {
            try connection.query("SELEC 1", prepared: true)
            Issue.record("the syntax error was not reported")
        } catch {
            #expect(error.sqlState == "42601", "\(error)")
        }
        #expect(try connection.query("SELECT 2", prepared: true).int(0, 0) == 2)
    }

    @Test func aPipelineOnAConnectionTheServerEndedFailsAndRetiresTheConnection() async throws {
        let cluster = try await PostgresCluster.shared()
        let connection = try PGConnection(connectionString: cluster.url)
        let pid = try #require(connection.query("SELECT pg_backend_pid()").string(0, 0))
        try await Self.terminateBackend(pid, cluster: cluster)
        do {
            try connection.pipeline([PGStatement(sql: "SELECT 1"), PGStatement(sql: "SELECT 2")])
            Issue.record("a pipeline on a dead connection succeeded")
        } catch {
            #expect(error.isConnectionFailure, "\(error)")
        }
        #expect(!connection.isOpen, "the pool drops it instead of handing it out again")
    }

    /// Terminates a backend and waits until it is gone: `pg_terminate_backend` only signals it.
    static func terminateBackend(_ pid: String, cluster: PostgresCluster) async throws {
        try await cluster.psql("SELECT pg_terminate_backend(\(pid))")
        let observer = try PGConnection(connectionString: cluster.url)
        try await eventually("backend \(pid) is gone") {
            try await blocking { try observer.query("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", [pid]).int(0, 0) } == 0
        }
    }
}
