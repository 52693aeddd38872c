import CSQLite

/// A SQLite error: the operation and SQLite's message.
public struct SQLiteError: Error, CustomStringConvertible {
    public var code: Int32
    public var message: String
    public var description: String { "SQLite error \(self.code): \(self.message)" }
}

/// One SQLite connection in WAL mode, with its prepared statements. Not thread-safe: its owner serialises calls
/// (and runs them off Swift's cooperative pool, as they block).
final class SQLiteConnection {
    private var database: OpaquePointer?
    private var statements: [String: SQLiteStatement] = [:]

    /// Opens (creating) the database at `path`: WAL journal, `synchronous=NORMAL` (a commit survives a process
    /// crash; a power cut may lose the last ones, never half of one), a 5 s wait for another process's lock.
    init(path: String) throws {
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &self.database, flags, nil)
        guard status == SQLITE_OK else {
            let message = self.database.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close_v2(self.database)
            self.database = nil
            throw SQLiteError(code: status, message: "\(message) (\(path))")
        }
        sqlite3_busy_timeout(self.database, 5000)
        try self.execute("PRAGMA journal_mode=WAL")
        try self.execute("PRAGMA synchronous=NORMAL")
        try self.execute("PRAGMA cache_size=-32768")  // 32 MiB of pages, so large models are not read again and again
        // Checkpoints (each syncs the database file) every 8,000 pages of WAL rather than 1,000: fewer syncs that
        // compete with the topic's own.
        try self.execute("PRAGMA wal_autocheckpoint=8000")
    }

    deinit {
        self.close()
    }

    func close() {
        self.statements.values.forEach { $0.finalize() }
        self.statements.removeAll()
        if let database = self.database {
            sqlite3_close_v2(database)
            self.database = nil
        }
    }

    /// Runs SQL that returns no rows of interest (it may hold several statements).
    func execute(_ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(self.database, sql, nil, nil, &error)
        guard status == SQLITE_OK else {
            let message = error.map { String(cString: $0) } ?? "failed"
            sqlite3_free(error)
            throw SQLiteError(code: status, message: message)
        }
    }

    /// The prepared statement of `sql`, reset and with its bindings cleared.
    func statement(_ sql: String) throws -> SQLiteStatement {
        if let statement = self.statements[sql] {
            statement.reset()
            return statement
        }
        var handle: OpaquePointer?
        let status = sqlite3_prepare_v3(self.database, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &handle, nil)
        guard status == SQLITE_OK, let handle else { throw self.error(status) }
        let statement = SQLiteStatement(handle: handle, connection: self)
        self.statements[sql] = statement
        return statement
    }

    /// Resets every statement, so none holds a read snapshot open (an unfinished SELECT would keep the
    /// connection's transaction, and its view of the database, alive).
    func resetStatements() {
        for statement in self.statements.values { statement.reset() }
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws. `immediate` takes the
    /// write lock at once (writers), otherwise the transaction reads one snapshot.
    func transaction<Value>(immediate: Bool, _ body: () throws -> Value) throws -> Value {
        try self.execute(immediate ? "BEGIN IMMEDIATE" : "BEGIN")
        do {
            let value = try body()
            self.resetStatements()
            try self.execute("COMMIT")
            return value
        } catch {
            self.resetStatements()
            try? self.execute("ROLLBACK")
            throw error
        }
    }

    /// Rows changed by the last statement.
    var changes: Int { Int(sqlite3_changes(self.database)) }

    func error(_ status: Int32) -> SQLiteError {
        SQLiteError(code: status, message: self.database.map { String(cString: sqlite3_errmsg($0)) } ?? "no database")
    }
}

/// A prepared statement: bind, step through rows, read columns.
final class SQLiteStatement {
    private let handle: OpaquePointer
    private unowned let connection: SQLiteConnection

    init(handle: OpaquePointer, connection: SQLiteConnection) {
        self.handle = handle
        self.connection = connection
    }

    func reset() {
        sqlite3_reset(self.handle)
        sqlite3_clear_bindings(self.handle)
    }

    func finalize() {
        sqlite3_finalize(self.handle)
    }

    /// Binds parameters 1, 2, ... in order.
    @discardableResult
    func bind(_ values: SQLiteValue...) throws -> SQLiteStatement {
        for (index, value) in values.enumerated() {
            try self.bind(value, at: Int32(index + 1))
        }
        return self
    }

    func bind(_ value: SQLiteValue, at index: Int32) throws {
        let status: Int32
        switch value {
        case .integer(let integer):
            status = sqlite3_bind_int64(self.handle, index, integer)
        case .text(let text):
            var text = text
            status = text.withUTF8 { utf8 in self.bindText(utf8, at: index) }
        case .bytes(let bytes):
            status = bytes.withUnsafeBufferPointer { buffer in self.bindText(buffer, at: index) }
        }
        guard status == SQLITE_OK else { throw self.connection.error(status) }
    }

    private func bindText(_ utf8: UnsafeBufferPointer<UInt8>, at index: Int32) -> Int32 {
        guard let base = utf8.baseAddress, !utf8.isEmpty else { return eventstore_sqlite3_bind_text(self.handle, index, "", 0) }
        return base.withMemoryRebound(to: CChar.self, capacity: utf8.count) { chars in
            eventstore_sqlite3_bind_text(self.handle, index, chars, Int32(utf8.count))
        }
    }

    /// Steps to the next row. - Returns: false when there is none (the statement is done).
    func step() throws -> Bool {
        switch sqlite3_step(self.handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        case let status: throw self.connection.error(status)
        }
    }

    /// Runs a statement that returns no rows.
    func run() throws {
        while try self.step() {}
    }

    func int64(_ column: Int32) -> Int64 {
        sqlite3_column_int64(self.handle, column)
    }

    /// The column's text as UTF-8 bytes.
    func bytes(_ column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(self.handle, column))
        guard count > 0, let pointer = sqlite3_column_text(self.handle, column) else { return [] }
        return Array(UnsafeBufferPointer(start: pointer, count: count))
    }

    func text(_ column: Int32) -> String {
        String(decoding: self.bytes(column), as: UTF8.self)
    }
}

/// A value bound to a statement's parameter.
enum SQLiteValue {
    case integer(Int64)
    case text(String)
    /// UTF-8 text given as bytes (JSON).
    case bytes([UInt8])
}
