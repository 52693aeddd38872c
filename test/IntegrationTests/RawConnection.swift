import EventStoreTesting
import Foundation

/// A plain TCP connection to 127.0.0.1, for requests no HTTP client would send: unfinished headers, a body that
/// never comes. Its blocking calls run on threads of their own.
final class RawConnection: Sendable {
    private let socket: Int32

    /// Connects to `port` on 127.0.0.1; with `receiveBuffer`, the kernel holds at most about that many bytes the
    /// test has not read (a reader that falls behind soon).
    init(port: Int, receiveBuffer: Int32? = nil) throws {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if var size = receiveBuffer {
            setsockopt(socket, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else {
            close(socket)
            throw RawConnectionError(reason: "cannot connect to port \(port)")
        }
        self.socket = socket
    }

    deinit {
        close(self.socket)
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        let sent = bytes.withUnsafeBytes { Foundation.send(self.socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == bytes.count else { throw RawConnectionError(reason: "send failed") }
    }

    /// What the server sends until it closes the connection, a whole response has arrived (`untilResponse`), or
    /// `timeout` passes.
    /// - Returns: the bytes received, and whether the server closed the connection.
    func receive(timeout: Duration, untilResponse: Bool = false) async throws -> (text: String, closed: Bool) {
        let socket = self.socket
        return try await blocking {
            var received: [UInt8] = []
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
                let remaining = deadline - ContinuousClock.now
                let milliseconds = Int32(max(1, remaining.components.seconds * 1000 + remaining.components.attoseconds / 1_000_000_000_000_000))
                guard poll(&descriptor, 1, milliseconds) > 0 else { continue }
                var chunk = [UInt8](repeating: 0, count: 65536)
                let count = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
                if count <= 0 { return (String(decoding: received, as: UTF8.self), true) }
                received += chunk[0..<count]
                if untilResponse, Self.holdsWholeResponse(received) { break }
            }
            return (String(decoding: received, as: UTF8.self), false)
        }
    }

    /// Whether `bytes` hold a response head and as many body bytes as its `Content-Length` says.
    private static func holdsWholeResponse(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let headEnd = text.range(of: "\r\n\r\n") else { return false }
        let head = text[..<headEnd.lowerBound].lowercased()
        let length = head.split(separator: "\r\n").first { $0.hasPrefix("content-length:") }
            .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
        return text.utf8.count - text[..<headEnd.upperBound].utf8.count >= length
    }
}

struct RawConnectionError: Error, CustomStringConvertible {
    var reason: String
    var description: String { self.reason }
}
