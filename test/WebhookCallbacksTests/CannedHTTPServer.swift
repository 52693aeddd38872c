import Foundation
import NIOCore
import NIOPosix

/// An HTTP server on 127.0.0.1 that reads each request whole and answers it with fixed bytes, written as they are
/// (so a test can send a broken or endless answer), then optionally closes the connection.
final class CannedHTTPServer: Sendable {
    private let channel: any Channel
    var port: Int { self.channel.localAddress!.port! }

    init(answer: String, closeAfterAnswer: Bool = false) async throws {
        self.channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Handler(answer: answer, closeAfterAnswer: closeAfterAnswer))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
    }

    func close() async throws {
        try await self.channel.close()
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer

        private let answer: String
        private let closeAfterAnswer: Bool
        private var received: [UInt8] = []

        init(answer: String, closeAfterAnswer: Bool) {
            self.answer = answer
            self.closeAfterAnswer = closeAfterAnswer
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = Self.unwrapInboundIn(data)
            self.received += buffer.readBytes(length: buffer.readableBytes) ?? []
            guard Self.isComplete(self.received) else { return }
            self.received = []
            context.writeAndFlush(Self.wrapOutboundOut(ByteBuffer(string: self.answer)), promise: nil)
            if self.closeAfterAnswer { context.close(promise: nil) }
        }

        /// Whether `bytes` hold a request's head and all of the body its Content-Length announces.
        private static func isComplete(_ bytes: [UInt8]) -> Bool {
            let text = String(decoding: bytes, as: UTF8.self)
            guard let end = text.range(of: "\r\n\r\n") else { return false }
            let length =
                text[..<end.lowerBound].lowercased().components(separatedBy: "\r\n")
                .first { $0.hasPrefix("content-length:") }
                .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
            return text.utf8.distance(from: end.upperBound, to: text.endIndex) >= length
        }
    }
}
