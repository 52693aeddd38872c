import NIOCore
import Synchronization

/// The bytes a stream has produced and its client has not taken yet, bounded: a client that falls more than
/// `limit` bytes behind is cut off, never buffered for.
final class StreamBuffer: Sendable {
    /// The client fell too far behind.
    struct ReaderTooSlow: Error {}

    private struct State {
        var chunks: [ByteBuffer] = []
        var bytes = 0
        var finished = false
        var failed: (any Error)?
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let limit: Int
    private let state = Mutex(State())

    init(limit: Int) {
        self.limit = limit
    }

    /// Adds a chunk for the client.
    /// - Throws: ``ReaderTooSlow`` when more than `limit` bytes would be waiting.
    func append(_ chunk: ByteBuffer) throws {
        let (waiter, refused) = self.state.withLock { state in
            if state.failed == nil {
                if state.bytes + chunk.readableBytes <= self.limit {
                    state.chunks.append(chunk)
                    state.bytes += chunk.readableBytes
                } else {
                    state.failed = ReaderTooSlow()
                }
            }
            defer { state.waiter = nil }
            return (state.waiter, state.failed != nil)
        }
        waiter?.resume()
        if refused { throw ReaderTooSlow() }
    }

    /// No more chunks come; with `error`, the client is cut off without the ones still waiting.
    func finish(_ error: (any Error)? = nil) {
        let waiter = self.state.withLock { state in
            state.finished = true
            if let error, state.failed == nil { state.failed = error }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// The chunks waiting, once there are any; nil at the end.
    /// - Throws: why the stream failed (the chunks waiting are dropped).
    func next() async throws -> [ByteBuffer]? {
        while true {
            let taken = try self.state.withLock { state throws -> [ByteBuffer]?? in
                if let failed = state.failed { throw failed }
                if !state.chunks.isEmpty {
                    defer {
                        state.chunks = []
                        state.bytes = 0
                    }
                    return .some(state.chunks)
                }
                return state.finished ? .some(nil) : nil
            }
            if let taken { return taken }
            await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                let ready = self.state.withLock { state in
                    guard state.chunks.isEmpty, !state.finished, state.failed == nil else { return true }
                    state.waiter = waiter
                    return false
                }
                if ready { waiter.resume() }
            }
        }
    }
}
