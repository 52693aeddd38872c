import CLibPQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One libpq connection. Every call blocks: it runs on a thread pool, never on Swift's cooperative pool, and one
/// thread at a time uses it (the pool hands it out exclusively), which is why it may cross threads.
final class PGConnection: @unchecked Sendable {
    /// Most statements one connection keeps prepared; SQL beyond them runs unprepared.
    static let preparedStatementLimit = 256

    private let handle: OpaquePointer
    /// The name each prepared statement got, by its SQL.
    private var preparedNames: [String: String] = [:]
    /// Set when a pipeline could not be brought back to a known state: the connection is not used again.
    private var broken = false

    /// Connects with a libpq connection string: a `postgres://` URL or `key=value` pairs, so libpq's own features
    /// (TLS by `sslmode`, several hosts with `target_session_attrs`, passwords from `~/.pgpass`) work.
    /// - Throws: `PostgresError` when the server cannot be reached or refuses the connection.
    init(connectionString: String) throws(PostgresError) {
        guard let handle = PQconnectdb(connectionString) else {
            throw PostgresError(message: "libpq could not allocate a connection", connectionLost: true)
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = Self.text(PQerrorMessage(handle))
            PQfinish(handle)
            throw PostgresError(message: message, connectionLost: true)
        }
        // Notices ("relation already exists, skipping") would go to standard error, past the server's logger.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        self.handle = handle
    }

    deinit {
        PQfinish(self.handle)
    }

    /// Whether the connection can still be used.
    var isOpen: Bool { !self.broken && PQstatus(self.handle) == CONNECTION_OK }

    /// Whether a connection that sat idle in the pool can still be used. Nothing arrives on an idle connection, so any
    /// readable input (a restarted server's goodbye, or end of file) means it is gone. One `poll` that does not wait.
    var isUsableAfterIdle: Bool {
        guard self.isOpen else { return false }
        var descriptor = pollfd(fd: self.socket, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) == 0
    }

    /// The socket, for waiting on notifications.
    var socket: Int32 { PQsocket(self.handle) }

    /// Runs one statement with text parameters (`$1`, `$2`, ...; nil is SQL NULL) and returns its rows as text.
    /// - Parameter prepared: prepare the statement once on this connection and execute it by name afterwards, so
    ///   the server parses and plans it once: for statements run again and again (not DDL).
    @discardableResult
    func query(_ sql: String, _ parameters: [String?] = [], prepared: Bool = false) throws(PostgresError) -> PGRows {
        let parameters = parameters.map { $0.map { Array($0.utf8) } }
        let name = prepared ? try self.preparedName(for: sql) : nil
        let result: OpaquePointer? = Self.withTerminated(parameters) { values in
            if let name {
                PQexecPrepared(self.handle, name, Int32(parameters.count), values, nil, nil, 0)
            } else {
                PQexecParams(self.handle, sql, Int32(parameters.count), nil, values, nil, nil, 0)
            }
        }
        guard let result else {
            throw PostgresError(message: Self.text(PQerrorMessage(self.handle)), connectionLost: !self.isOpen)
        }
        defer { PQclear(result) }
        return try self.rows(of: result)
    }

    /// Runs statements in one round trip (libpq pipeline mode), each prepared once on this connection.
    ///
    /// The server runs them in order and stops at the first that fails (inside a transaction, the transaction is
    /// then aborted and must be rolled back).
    /// - Returns: every statement's rows, in order.
    /// - Throws: the first failing statement's error.
    @discardableResult
    func pipeline(_ statements: [PGStatement]) throws(PostgresError) -> [PGRows] {
        var names: [String?] = []
        for statement in statements { names.append(try self.preparedName(for: statement.sql)) }
        guard PQenterPipelineMode(self.handle) == 1 else { throw self.connectionError() }
        for (statement, name) in zip(statements, names) {
            let sent = Self.withTerminated(statement.parameters) { values in
                if let name {
                    PQsendQueryPrepared(self.handle, name, Int32(statement.parameters.count), values, nil, nil, 0)
                } else {
                    PQsendQueryParams(self.handle, statement.sql, Int32(statement.parameters.count), nil, values, nil, nil, 0)
                }
            }
            guard sent == 1 else { throw self.abandonPipeline() }
        }
        guard PQpipelineSync(self.handle) == 1 else { throw self.abandonPipeline() }
        var rows: [PGRows] = []
        var failure: PostgresError?
        for _ in statements {
            guard let result = PQgetResult(self.handle) else { throw self.abandonPipeline() }
            if PQresultStatus(result) != PGRES_PIPELINE_ABORTED {
                do throws(PostgresError) {
                    rows.append(try self.rows(of: result))
                } catch {
                    failure = failure ?? error
                }
            }
            PQclear(result)
            while let extra = PQgetResult(self.handle) { PQclear(extra) }  // the end of this statement's results
        }
        guard let sync = PQgetResult(self.handle) else { throw self.abandonPipeline() }
        let synced = PQresultStatus(sync) == PGRES_PIPELINE_SYNC
        PQclear(sync)
        guard synced, PQexitPipelineMode(self.handle) == 1 else { throw self.abandonPipeline() }
        if let failure { throw failure }
        return rows
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    func transaction<Value>(_ body: () throws -> Value) throws -> Value {
        try self.query("BEGIN")
        do {
            let value = try body()
            try self.query("COMMIT")
            return value
        } catch {
            _ = try? self.query("ROLLBACK")
            throw error
        }
    }

    /// Reads what the server sent and returns the notifications received, as (channel, payload).
    func notifications() throws(PostgresError) -> [(channel: String, payload: String)] {
        guard PQconsumeInput(self.handle) == 1 else {
            throw PostgresError(message: Self.text(PQerrorMessage(self.handle)), connectionLost: true)
        }
        var received: [(String, String)] = []
        while let notification = PQnotifies(self.handle) {
            received.append((String(cString: notification.pointee.relname), String(cString: notification.pointee.extra)))
            PQfreemem(notification)
        }
        return received
    }

    /// The name of `sql` prepared on this connection, preparing it now if needed; nil past the limit.
    private func preparedName(for sql: String) throws(PostgresError) -> String? {
        if let name = self.preparedNames[sql] { return name }
        guard self.preparedNames.count < Self.preparedStatementLimit else { return nil }
        let name = "eventstore_\(self.preparedNames.count)"
        guard let result = PQprepare(self.handle, name, sql, 0, nil) else { throw self.connectionError() }
        defer { PQclear(result) }
        _ = try self.rows(of: result)
        self.preparedNames[sql] = name
        return name
    }

    /// The rows of a successful result, or its error.
    private func rows(of result: OpaquePointer) throws(PostgresError) -> PGRows {
        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK:
            return PGRows(result)
        default:
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            let message = PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) } ?? Self.text(PQerrorMessage(self.handle))
            throw PostgresError(sqlState: state, message: message, connectionLost: !self.isOpen)
        }
    }

    private func connectionError() -> PostgresError {
        PostgresError(message: Self.text(PQerrorMessage(self.handle)), connectionLost: !self.isOpen)
    }

    /// A pipeline that cannot be finished leaves the connection in an unknown state: it is closed, not reused.
    private func abandonPipeline() -> PostgresError {
        let error = PostgresError(message: Self.text(PQerrorMessage(self.handle)), connectionLost: true)
        self.broken = true
        return error
    }

    private static func text(_ pointer: UnsafePointer<CChar>?) -> String {
        pointer.map { String(cString: $0).trimmingSuffix() } ?? "unknown libpq error"
    }

    /// Calls `body` with a NUL-terminated C string per parameter (nil stays nil), all copied into one buffer.
    private static func withTerminated<R>(_ parameters: [[UInt8]?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(parameters.reduce(0) { $0 + ($1?.count ?? 0) + 1 })
        var starts: [Int?] = []
        starts.reserveCapacity(parameters.count)
        for parameter in parameters {
            guard let parameter else {
                starts.append(nil)
                continue
            }
            starts.append(buffer.count)
            buffer.append(contentsOf: parameter)
            buffer.append(0)
        }
        return buffer.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { characters in
                body(starts.map { start in start.map { UnsafePointer(characters.baseAddress! + $0) } })
            }
        }
    }
}

/// One statement of a pipeline: SQL with `$n` parameters in text form (nil is SQL NULL).
struct PGStatement {
    var sql: String
    /// Each parameter's text form as UTF-8 bytes.
    var parameters: [[UInt8]?]

    init(sql: String, parameters: [String?] = []) {
        self.sql = sql
        self.parameters = parameters.map { $0.map { Array($0.utf8) } }
    }

    init(sql: String, bytes: [[UInt8]?]) {
        self.sql = sql
        self.parameters = bytes
    }
}

/// A statement's rows, copied out of the libpq result as the text form's bytes: one buffer for every value, so a
/// page of rows costs a handful of allocations rather than one per value.
struct PGRows {
    /// Every non-NULL value's bytes, one after another.
    private let buffer: [UInt8]
    /// Where each value starts in `buffer` and how long it is, row after row; a length of -1 is NULL.
    private let cells: [(start: Int, length: Int)]
    private let columns: Int
    /// The number of rows.
    let count: Int

    init(_ result: OpaquePointer) {
        let rowCount = Int(PQntuples(result))
        let columnCount = Int(PQnfields(result))
        var total = 0
        for row in 0..<rowCount {
            for column in 0..<columnCount { total += Int(PQgetlength(result, Int32(row), Int32(column))) }
        }
        var buffer: [UInt8] = []
        buffer.reserveCapacity(total)
        var cells: [(start: Int, length: Int)] = []
        cells.reserveCapacity(rowCount * columnCount)
        for row in 0..<Int32(rowCount) {
            for column in 0..<Int32(columnCount) {
                guard PQgetisnull(result, row, column) == 0 else {
                    cells.append((buffer.count, -1))
                    continue
                }
                let length = Int(PQgetlength(result, row, column))
                cells.append((buffer.count, length))
                PQgetvalue(result, row, column).withMemoryRebound(to: UInt8.self, capacity: length) {
                    buffer.append(contentsOf: UnsafeBufferPointer(start: $0, count: length))
                }
            }
        }
        self.buffer = buffer
        self.cells = cells
        self.columns = columnCount
        self.count = rowCount
    }

    /// The bytes of the value at `row`, `column`; nil for NULL and for a cell the result does not have (no rows).
    func bytes(_ row: Int, _ column: Int) -> ArraySlice<UInt8>? {
        guard row >= 0, row < self.count, column >= 0, column < self.columns else { return nil }
        let cell = self.cells[row * self.columns + column]
        guard cell.length >= 0 else { return nil }
        return self.buffer[cell.start..<cell.start + cell.length]
    }

    /// The value at `row`, `column` as a string; nil for NULL.
    func string(_ row: Int, _ column: Int) -> String? {
        self.bytes(row, column).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The value at `row`, `column` as an integer; nil for NULL or anything else.
    func int(_ row: Int, _ column: Int) -> Int64? {
        guard let bytes = self.bytes(row, column), !bytes.isEmpty, bytes.count <= 20 else { return nil }
        var digits = bytes[...]
        let negative = digits.first == UInt8(ascii: "-")
        if negative { digits = digits.dropFirst() }
        guard !digits.isEmpty else { return nil }
        var value: Int64 = 0
        for byte in digits {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (shifted, overflowShift) = value.multipliedReportingOverflow(by: 10)
            let (added, overflowAdd) = shifted.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            guard !overflowShift, !overflowAdd else { return nil }
            value = added
        }
        return negative ? -value : value
    }
}

extension String {
    fileprivate func trimmingSuffix() -> String {
        var text = self
        while text.last == "\n" || text.last == " " { text.removeLast() }
        return text
    }
}
