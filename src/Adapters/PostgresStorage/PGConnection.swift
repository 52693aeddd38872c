import CLibPQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One libpq connection. Every call blocks: it runs on a thread pool, never on Swift's cooperative pool, and one
/// thread at a time uses it (the pool hands it out exclusively), which is why it may cross threads.
final class PGConnection: @unchecked Sendable {
    private let handle: OpaquePointer

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
        self.handle = handle
    }

    deinit {
        PQfinish(self.handle)
    }

    /// Whether the connection can still be used.
    var isOpen: Bool { PQstatus(self.handle) == CONNECTION_OK }

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
    @discardableResult
    func query(_ sql: String, _ parameters: [String?] = []) throws(PostgresError) -> PGRows {
        let result: OpaquePointer? = Self.withCStrings(parameters) { values in
            PQexecParams(self.handle, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        guard let result else {
            throw PostgresError(message: Self.text(PQerrorMessage(self.handle)), connectionLost: !self.isOpen)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_TUPLES_OK, PGRES_COMMAND_OK:
            return PGRows(result)
        default:
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
            let message = PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) } ?? Self.text(PQerrorMessage(self.handle))
            throw PostgresError(sqlState: state, message: message, connectionLost: !self.isOpen)
        }
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

    private static func text(_ pointer: UnsafePointer<CChar>?) -> String {
        pointer.map { String(cString: $0).trimmingSuffix() } ?? "unknown libpq error"
    }

    private static func withCStrings<R>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        let pointers: [UnsafeMutablePointer<CChar>?] = strings.map { $0.map { strdup($0) } ?? nil }
        defer { for pointer in pointers { free(pointer) } }
        return body(pointers.map { $0.map { UnsafePointer($0) } })
    }
}

/// A statement's rows, copied out of the libpq result as the text form's bytes (nil for NULL).
struct PGRows {
    let rows: [[[UInt8]?]]

    init(_ result: OpaquePointer) {
        let rowCount = PQntuples(result)
        let columnCount = PQnfields(result)
        var rows: [[[UInt8]?]] = []
        rows.reserveCapacity(Int(rowCount))
        for row in 0..<rowCount {
            var values: [[UInt8]?] = []
            values.reserveCapacity(Int(columnCount))
            for column in 0..<columnCount {
                if PQgetisnull(result, row, column) == 1 {
                    values.append(nil)
                } else {
                    let length = Int(PQgetlength(result, row, column))
                    values.append(
                        PQgetvalue(result, row, column).withMemoryRebound(to: UInt8.self, capacity: length) {
                            Array(UnsafeBufferPointer(start: $0, count: length))
                        }
                    )
                }
            }
            rows.append(values)
        }
        self.rows = rows
    }

    var count: Int { self.rows.count }

    /// The value at `row`, `column` as a string; nil for NULL.
    func string(_ row: Int, _ column: Int) -> String? {
        self.rows[row][column].map { String(decoding: $0, as: UTF8.self) }
    }

    /// The value at `row`, `column` as an integer; nil for NULL or anything else.
    func int(_ row: Int, _ column: Int) -> Int64? {
        self.string(row, column).flatMap { Int64($0) }
    }
}

extension String {
    fileprivate func trimmingSuffix() -> String {
        var text = self
        while text.last == "\n" || text.last == " " { text.removeLast() }
        return text
    }
}
