import CCurl
import EventStoreCore
import IPAddresses
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One HTTP request to the Blob service.
struct BlobHTTPRequest: Sendable {
    var method: String
    /// Percent-encoded, with the query.
    var url: String
    var headers: [(name: String, value: String)]
    var body: [UInt8] = []
}

/// The service's answer.
struct BlobHTTPResponse: Sendable {
    var status: Int
    /// Names lowercase.
    var headers: [String: String]
    var body: [UInt8]

    func header(_ name: String) -> String? { self.headers[name] }
}

/// Why a request got no answer. Whether the service acted on it is unknown.
struct BlobTransportError: Error, Sendable, CustomStringConvertible {
    enum Kind: Sendable {
        case timedOut
        case unreachable
        /// The endpoint resolved to an address no endpoint may reach (see `BlobEndpointPolicy`).
        case refused
        case other
    }

    let kind: Kind
    let description: String
}

/// HTTP over libcurl: easy handles kept in a pool and reused (a handle keeps its connections open, so requests to one
/// endpoint reuse them), each request performed on a thread of a dedicated `NIOThreadPool` (libcurl blocks).
final class CurlTransport: Sendable {
    /// The most bytes of a response body read; a larger one is cut off as an error (listings and errors are small,
    /// ranged reads ask for less).
    static let maxResponseBytes = 64 << 20

    private let threadPool: NIOThreadPool
    private let idle = Mutex<[CurlHandle]>([])
    private let timeoutMilliseconds: Int
    private let connectTimeoutMilliseconds: Int

    private static let initialized: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    /// - Parameters:
    ///   - timeout: the most a request may take, connecting included.
    ///   - connectTimeout: the most connecting may take.
    init(threadPool: NIOThreadPool, timeout: Duration, connectTimeout: Duration) {
        _ = Self.initialized
        self.threadPool = threadPool
        self.timeoutMilliseconds = Int(timeout.inSeconds * 1000)
        self.connectTimeoutMilliseconds = Int(connectTimeout.inSeconds * 1000)
    }

    func send(_ request: BlobHTTPRequest) async throws -> BlobHTTPResponse {
        try await self.threadPool.runIfActive { try self.perform(request) }
    }

    private func perform(_ request: BlobHTTPRequest) throws -> BlobHTTPResponse {
        guard let handle = self.idle.withLock({ $0.popLast() }) ?? CurlHandle() else {
            throw BlobTransportError(kind: .other, description: "libcurl could not make a handle")
        }
        defer { self.idle.withLock { if $0.count < 64 { $0.append(handle) } } }
        let easy = handle.pointer
        curl_easy_reset(easy)
        let collector = ResponseCollector()
        let context = Unmanaged.passUnretained(collector).toOpaque()
        var headers: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headers) }
        // Only what the request names is sent: no default Content-Type, no Expect: 100-continue.
        for line in request.headers.map({ "\($0.name): \($0.value)" }) + ["Content-Type:", "Expect:"]
        where !(line == "Content-Type:" && request.headers.contains { $0.name.lowercased() == "content-type" }) {
            headers = curl_slist_append(headers, line)
        }
        var setup = [
            eventstore_curl_set_string(easy, CURLOPT_URL, request.url),
            eventstore_curl_set_string(easy, CURLOPT_PROTOCOLS_STR, "http,https"),
            eventstore_curl_set_long(easy, CURLOPT_NOSIGNAL, 1),
            eventstore_curl_set_long(easy, CURLOPT_TIMEOUT_MS, self.timeoutMilliseconds),
            eventstore_curl_set_long(easy, CURLOPT_CONNECTTIMEOUT_MS, self.connectTimeoutMilliseconds),
            eventstore_curl_set_pointer(easy, CURLOPT_HTTPHEADER, UnsafeMutableRawPointer(headers)),
            eventstore_curl_set_callback(easy, CURLOPT_WRITEFUNCTION, collectBody),
            eventstore_curl_set_pointer(easy, CURLOPT_WRITEDATA, context),
            eventstore_curl_set_callback(easy, CURLOPT_HEADERFUNCTION, collectHeader),
            eventstore_curl_set_pointer(easy, CURLOPT_HEADERDATA, context),
            eventstore_curl_set_opensocket(easy, openSocket),
            eventstore_curl_set_pointer(easy, CURLOPT_OPENSOCKETDATA, context),
        ]
        switch request.method {
        case "GET": break
        case "HEAD": setup.append(eventstore_curl_set_long(easy, CURLOPT_NOBODY, 1))
        default: setup.append(eventstore_curl_set_string(easy, CURLOPT_CUSTOMREQUEST, request.method))
        }
        let code: CURLcode = request.body.withUnsafeBytes { body in
            if request.method == "PUT" || request.method == "POST" {
                // The body is sent from the caller's buffer, which outlives the transfer.
                setup.append(eventstore_curl_set_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(body.count)))
                if let bytes = body.baseAddress, !body.isEmpty {
                    setup.append(eventstore_curl_set_pointer(easy, CURLOPT_POSTFIELDS, UnsafeMutableRawPointer(mutating: bytes)))
                } else {
                    setup.append(eventstore_curl_set_string(easy, CURLOPT_COPYPOSTFIELDS, ""))  // copied: an empty body
                }
            }
            if let failed = setup.first(where: { $0 != CURLE_OK }) { return failed }
            return curl_easy_perform(easy)
        }
        withExtendedLifetime(collector) {}
        guard code == CURLE_OK else {
            if collector.tooLarge { throw BlobTransportError(kind: .other, description: "the response was larger than \(Self.maxResponseBytes) bytes") }
            if collector.refusedAddress {
                throw BlobTransportError(kind: .refused, description: "the Blob endpoint resolved to a link-local or metadata address, which is never allowed")
            }
            let message = String(cString: curl_easy_strerror(code))
            let kind: BlobTransportError.Kind =
                switch code {
                case CURLE_OPERATION_TIMEDOUT: .timedOut
                case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST: .unreachable
                default: .other
                }
            throw BlobTransportError(kind: kind, description: message)
        }
        var status = 0
        _ = eventstore_curl_get_long(easy, CURLINFO_RESPONSE_CODE, &status)
        return BlobHTTPResponse(status: status, headers: collector.headers, body: collector.body)
    }
}

/// An easy handle, cleaned up when dropped from the pool.
private final class CurlHandle: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer

    init?() {
        guard let pointer = curl_easy_init() else { return nil }
        self.pointer = pointer
    }

    deinit {
        curl_easy_cleanup(self.pointer)
    }
}

/// What one transfer received; touched only by the thread performing it.
private final class ResponseCollector {
    var headers: [String: String] = [:]
    var body: [UInt8] = []
    var tooLarge = false
    /// The endpoint resolved to an address that is always refused.
    var refusedAddress = false
}

/// Opens the sockets libcurl connects with, refusing the addresses no endpoint may reach, whatever name or form
/// (`169.254.169.254`, `2852039166`, `[::ffff:169.254.169.254]`) led to them.
private let openSocket: curl_opensocket_callback = { context, _, address in
    guard let address else { return CURL_SOCKET_BAD }
    let family = address.pointee.family
    let base = UnsafeRawPointer(address) + MemoryLayout<curl_sockaddr>.offset(of: \.addr)!
    let bytes: [UInt8]? =
        switch family {
        case AF_INET: withUnsafeBytes(of: base.loadUnaligned(as: sockaddr_in.self).sin_addr) { Array($0) }
        case AF_INET6: withUnsafeBytes(of: base.loadUnaligned(as: sockaddr_in6.self).sin6_addr) { Array($0) }
        default: nil
        }
    if let bytes, BlobEndpointPolicy.isAlwaysRefused(IPAddress(bytes: bytes)) {
        if let context { Unmanaged<ResponseCollector>.fromOpaque(context).takeUnretainedValue().refusedAddress = true }
        return CURL_SOCKET_BAD
    }
    return socket(family, address.pointee.socktype, address.pointee.protocol)
}

private let collectBody: eventstore_curl_data_callback = { data, size, count, context in
    let collector = Unmanaged<ResponseCollector>.fromOpaque(context!).takeUnretainedValue()
    let length = size * count
    guard collector.body.count + length <= CurlTransport.maxResponseBytes else {
        collector.tooLarge = true
        return 0
    }
    if let data { collector.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length)) }
    return length
}

private let collectHeader: eventstore_curl_data_callback = { data, size, count, context in
    let collector = Unmanaged<ResponseCollector>.fromOpaque(context!).takeUnretainedValue()
    let length = size * count
    guard let data else { return length }
    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    if line.hasPrefix("HTTP/") {
        collector.headers.removeAll()  // a new response (after a 100 Continue, say)
    } else if let colon = line.firstIndex(of: ":") {
        let name = line[..<colon].lowercased()
        collector.headers[name] = line[line.index(after: colon)...].trimmingSpace
    }
    return length
}
