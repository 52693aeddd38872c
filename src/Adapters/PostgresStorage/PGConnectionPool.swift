import NIOPosix
import Synchronization

/// A bounded pool of connections to one PostgreSQL server, shared by every topic that uses it.
///
/// `withConnection` runs its body on the thread pool (libpq blocks) with a connection of its own. A connection
/// that failed is closed instead of being returned, and an idle one that the server closed meanwhile (a restart) is
/// replaced before use: that is how the adapter recovers by itself when the server comes back.
final class PGConnectionPool: Sendable {
    private struct State {
        var idle: [PGConnection] = []
        var open = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
        var closed = false
    }

    let connectionString: String
    let size: Int
    private let threadPool: NIOThreadPool
    private let state = Mutex(State())

    init(connectionString: String, size: Int, threadPool: NIOThreadPool) {
        self.connectionString = connectionString
        self.size = size
        self.threadPool = threadPool
    }

    /// Runs `body` with a connection, on the thread pool.
    /// - Throws: `PostgresError` from connecting or from `body`.
    func withConnection<Value: Sendable>(_ body: @escaping @Sendable (PGConnection) throws -> Value) async throws -> Value {
        let idle = await self.reserve()
        let (connection, outcome): (PGConnection?, Result<Value, any Error>)
        do {
            (connection, outcome) = try await self.threadPool.runIfActive { () -> (PGConnection?, Result<Value, any Error>) in
                let usable: PGConnection
                do {
                    if let idle, idle.isUsableAfterIdle {
                        usable = idle
                    } else {
                        usable = try PGConnection(connectionString: self.connectionString)
                    }
                } catch {
                    return (nil, .failure(error))
                }
                return (usable, Result { try body(usable) })
            }
        } catch {
            self.release(idle, healthy: false)  // the thread pool is shutting down
            throw error
        }
        switch outcome {
        case .success(let value):
            self.release(connection, healthy: connection?.isOpen ?? false)
            return value
        case .failure(let error):
            let connectionFailed = (error as? PostgresError)?.isConnectionFailure ?? false
            self.release(connection, healthy: !connectionFailed && (connection?.isOpen ?? false))
            throw error
        }
    }

    /// Closes the idle connections; connections in use close when they are returned after this.
    func close() {
        self.state.withLock { state in
            state.open -= state.idle.count
            state.idle.removeAll()
            state.closed = true
        }
    }

    /// Waits for a slot; returns an idle connection when there is one (nil: the caller connects).
    private func reserve() async -> PGConnection? {
        while true {
            enum Grant {
                case idle(PGConnection)
                case new, wait
            }
            let grant = self.state.withLock { state -> Grant in
                if let connection = state.idle.popLast() { return .idle(connection) }
                if state.open < self.size {
                    state.open += 1
                    return .new
                }
                return .wait
            }
            switch grant {
            case .idle(let connection): return connection
            case .new: return nil
            case .wait:
                await withCheckedContinuation { continuation in
                    let resumeNow = self.state.withLock { state -> Bool in
                        if !state.idle.isEmpty || state.open < self.size { return true }
                        state.waiters.append(continuation)
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
        }
    }

    private func release(_ connection: PGConnection?, healthy: Bool) {
        let waiter = self.state.withLock { state -> CheckedContinuation<Void, Never>? in
            if healthy, !state.closed, let connection {
                state.idle.append(connection)
            } else {
                state.open -= 1
            }
            return state.waiters.isEmpty ? nil : state.waiters.removeFirst()
        }
        waiter?.resume()
    }
}
