/// A failure reported by libpq or the server, with the server's SQLSTATE when there is one.
struct PostgresError: Error, CustomStringConvertible {
    /// The five-character SQLSTATE code (`23505` unique violation, `08006` connection failure, ...).
    var sqlState: String?
    var message: String
    /// Whether the connection itself is unusable (lost, refused, shut down by the server).
    var connectionLost: Bool

    /// Whether the server is going away or unreachable: class 08 (connection exception) or 57P (operator
    /// intervention, such as a shutdown).
    var isConnectionFailure: Bool {
        self.connectionLost || self.sqlState?.hasPrefix("08") == true || self.sqlState?.hasPrefix("57P") == true
    }

    var description: String {
        "\(self.sqlState.map { "[\($0)] " } ?? "")\(self.message)"
    }
}
