import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Synchronization

/// Keeps a callback answer's status line and headers and discards its body as it arrives, so a receiver cannot
/// make the sender buffer a large answer. The request's deadline covers the whole exchange, body included.
final class ResponseHeadDelegate: HTTPClientResponseDelegate {
    typealias Response = HTTPResponseHead

    private let head = Mutex<HTTPResponseHead?>(nil)

    func didReceiveHead(task: HTTPClient.Task<HTTPResponseHead>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        self.head.withLock { $0 = head }
        return task.eventLoop.makeSucceededVoidFuture()
    }

    func didFinishRequest(task: HTTPClient.Task<HTTPResponseHead>) throws -> HTTPResponseHead {
        try self.receivedHead()
    }

    /// The answer's status line and headers; an exchange that ended without them is a connection closed early.
    func receivedHead() throws -> HTTPResponseHead {
        guard let head = self.head.withLock({ $0 }) else { throw HTTPClientError.remoteConnectionClosed }
        return head
    }
}
