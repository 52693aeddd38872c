#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The REST operations the blob adapter uses on one container, each dated, versioned and authorized (Shared Key, or
/// the SAS token added to its query), and sent over libcurl.
///
/// Answers the service gives under load (`ServerBusy`, 500, 503) are retried with a growing pause, honouring
/// `Retry-After`, for at most ``retryBudget``; then the last answer is thrown. Transport errors (no answer) are not
/// retried here: whether the service acted is unknown, and the caller decides. (libcurl itself sends a request once
/// more when a reused connection closes before any answer: an append resent that way meets its own bytes, 412.)
final class BlobContainerClient: Sendable {
    /// The `x-ms-version` of every request.
    static let apiVersion = "2023-11-03"

    let account: BlobAccount
    let container: String
    private let transport: CurlTransport
    private let signer: SharedKeySigner?
    let retryBudget: Duration

    /// One blob of a listing.
    struct ListedBlob: Sendable, Equatable {
        var name: String
        var length: Int64
        var sealed: Bool
    }

    /// A page of a listing, and the opaque marker of the next (nil at the end).
    struct Listing: Sendable {
        var blobs: [ListedBlob]
        var nextMarker: String?
    }

    struct Properties: Sendable {
        var length: Int64
        var sealed: Bool
    }

    init(account: BlobAccount, container: String, transport: CurlTransport, retryBudget: Duration = .seconds(30)) {
        self.account = account
        self.container = container
        self.transport = transport
        self.retryBudget = retryBudget
        if case .sharedKey(let key) = account.credential {
            self.signer = SharedKeySigner(account: account.name, key: key)
        } else {
            self.signer = nil
        }
    }

    // MARK: Operations

    /// Creates the container. - Returns: false when it existed already.
    func createContainer() async throws -> Bool {
        let response = try await self.send("PUT", query: [("restype", "container")], accepting: [201, 409])
        if response.status == 409 {
            let error = BlobServiceError(response)
            guard error.code == "ContainerAlreadyExists" else { throw error }
            return false
        }
        return true
    }

    /// Creates an empty append blob, unless one exists (`If-None-Match: *`).
    /// - Returns: false when the blob existed already.
    func createAppendBlob(_ name: String) async throws -> Bool {
        let response = try await self.send(
            "PUT",
            blob: name,
            headers: [("If-None-Match", "*"), ("x-ms-blob-type", "AppendBlob")],
            accepting: [201, 409]
        )
        if response.status == 409 {
            let error = BlobServiceError(response)
            guard error.code == "BlobAlreadyExists" else { throw error }
            return false
        }
        return true
    }

    /// Appends `block` if the blob is `position` bytes long and stays within `maxSize`.
    /// - Throws: `BlobServiceError` 412 (`AppendPositionConditionNotMet`, `MaxBlobSizeConditionNotMet`) when it is
    ///   not; 409 `BlobIsSealed`; 404.
    func appendBlock(_ name: String, _ block: [UInt8], at position: Int64, maxSize: Int64) async throws {
        _ = try await self.send(
            "PUT",
            blob: name,
            query: [("comp", "appendblock")],
            headers: [
                ("Content-Type", "application/octet-stream"),
                ("x-ms-blob-condition-appendpos", String(position)),
                ("x-ms-blob-condition-maxsize", String(maxSize)),
            ],
            body: block,
            accepting: [201]
        )
    }

    /// Seals an append blob: no block is appended to it after. Sealing a sealed blob succeeds.
    func seal(_ name: String) async throws {
        _ = try await self.send("PUT", blob: name, query: [("comp", "seal")], accepting: [200])
    }

    /// The blob's properties, or nil when it does not exist.
    func properties(_ name: String) async throws -> Properties? {
        let response = try await self.send("HEAD", blob: name, accepting: [200, 404])
        guard response.status == 200 else { return nil }
        return Properties(
            length: response.header("content-length").flatMap { Int64($0) } ?? 0,
            sealed: response.header("x-ms-blob-sealed") == "true"
        )
    }

    /// The bytes of `range` (fewer at the blob's end; none past it).
    /// - Throws: `BlobServiceError` for an answer that is not the range asked for.
    func read(_ name: String, range: Range<Int64>) async throws -> [UInt8] {
        guard !range.isEmpty else { return [] }
        let response = try await self.send(
            "GET",
            blob: name,
            headers: [("x-ms-range", "bytes=\(range.lowerBound)-\(range.upperBound - 1)")],
            accepting: [206, 416]
        )
        guard response.status == 206 else { return [] }
        guard response.body.count <= range.count, response.header("content-range")?.hasPrefix("bytes \(range.lowerBound)-") ?? true else {
            throw BlobServiceError(status: response.status, code: "", message: "the service answered another range than bytes \(range.lowerBound)-\(range.upperBound - 1)")
        }
        return response.body
    }

    /// A condition on the blob a write replaces.
    enum WriteCondition: Sendable {
        /// Only if no blob has the name (`If-None-Match: *`).
        case absent
        /// Only if the blob is the version of this ETag (`If-Match`).
        case version(String)
    }

    /// The whole blob and its ETag, or nil when it does not exist.
    func get(_ name: String) async throws -> (body: [UInt8], etag: String)? {
        let response = try await self.send("GET", blob: name, accepting: [200, 404])
        guard response.status == 200 else { return nil }
        return (response.body, response.header("etag") ?? "")
    }

    /// Writes a block blob of `body` in one request, if `condition` holds.
    /// - Returns: the new version's ETag.
    /// - Throws: `BlobServiceError` 412 (`ConditionNotMet`) or 409 (`BlobAlreadyExists`) when it does not.
    func putBlockBlob(_ name: String, _ body: [UInt8], if condition: WriteCondition) async throws -> String {
        let guardHeader = switch condition {
        case .absent: ("If-None-Match", "*")
        case .version(let etag): ("If-Match", etag)
        }
        let response = try await self.send(
            "PUT",
            blob: name,
            headers: [("Content-Type", "application/json"), ("x-ms-blob-type", "BlockBlob"), guardHeader],
            body: body,
            accepting: [201]
        )
        return response.header("etag") ?? ""
    }

    /// Deletes a blob; deleting one that does not exist is not an error.
    func delete(_ name: String) async throws {
        _ = try await self.send("DELETE", blob: name, accepting: [202, 404])
    }

    /// One page of the blobs whose names start with `prefix`, in name order.
    func list(prefix: String, marker: String? = nil, maxResults: Int = 5000) async throws -> Listing {
        var query = [("restype", "container"), ("comp", "list"), ("prefix", prefix), ("maxresults", String(maxResults))]
        if let marker { query.append(("marker", marker)) }
        let response = try await self.send("GET", query: query, accepting: [200])
        guard let root = BlobXML.parse(response.body), root.name == "EnumerationResults" else {
            throw BlobServiceError(status: response.status, code: "", message: "the listing is not the XML the Blob service sends")
        }
        let blobs = (root.child("Blobs")?.children("Blob") ?? []).map { blob in
            let properties = blob.child("Properties")
            return ListedBlob(
                name: blob.child("Name")?.text ?? "",
                length: properties?.child("Content-Length").flatMap { Int64($0.text) } ?? 0,
                sealed: properties?.child("Sealed")?.text == "true"
            )
        }
        let next = root.child("NextMarker")?.text
        return Listing(blobs: blobs, nextMarker: next?.isEmpty == false ? next : nil)
    }

    /// Every blob whose name starts with `prefix`, in name order, listed page after page.
    /// - Throws: `BlobListingError` for a listing that does not end (a marker that comes twice, or 100,000 pages).
    func listAll(prefix: String) async throws -> [ListedBlob] {
        var blobs: [ListedBlob] = []
        var markers: Set<String> = []
        var marker: String?
        repeat {
            let page = try await self.list(prefix: prefix, marker: marker)
            blobs += page.blobs
            marker = page.nextMarker
            if let marker, !markers.insert(marker).inserted || markers.count > 100_000 {
                throw BlobListingError(prefix: prefix)
            }
        } while marker != nil
        return blobs
    }

    // MARK: Requests

    /// Sends a request, retrying throttled and busy answers within the budget.
    /// - Throws: `BlobServiceError` for an answer not in `accepting`; `BlobTransportError` when none came.
    private func send(
        _ method: String,
        blob: String? = nil,
        query: [(String, String)] = [],
        headers: [(String, String)] = [],
        body: [UInt8] = [],
        accepting: Set<Int>
    ) async throws -> BlobHTTPResponse {
        let deadline = ContinuousClock.now + self.retryBudget
        var pause = Duration.milliseconds(100)
        while true {
            let response = try await self.transport.send(self.request(method, blob: blob, query: query, headers: headers, body: body))
            if accepting.contains(response.status) { return response }
            let error = BlobServiceError(response)
            guard error.isRetryable else { throw error }
            let asked = response.header("retry-after").flatMap { Int($0) }.map { Duration.seconds(min($0, 60)) }
            let wait = asked ?? pause
            guard ContinuousClock.now + wait < deadline else { throw error }
            try await Task.sleep(for: wait)
            pause = min(pause * 2, .seconds(5))
        }
    }

    func request(_ method: String, blob: String?, query: [(String, String)], headers: [(String, String)], body: [UInt8]) -> BlobHTTPRequest {
        let path = self.account.basePath + "/" + BlobPath.encodePath(self.container) + (blob.map { "/" + BlobPath.encodePath($0) } ?? "")
        var headers = headers.map { (name: $0.0, value: $0.1) }
        headers.append(("x-ms-date", Self.httpDate(now: time(nil))))
        headers.append(("x-ms-version", Self.apiVersion))
        if method == "PUT" || method == "POST" { headers.append(("Content-Length", String(body.count))) }
        var queryText = query.map { "\($0.0)=\(BlobPath.encodeQueryValue($0.1))" }.joined(separator: "&")
        switch self.account.credential {
        case .sharedKey:
            let authorization = self.signer!.authorization(method: method, path: path, query: query.map { (name: $0.0, value: $0.1) }, headers: headers)
            headers.append(("Authorization", authorization))
        case .sharedAccessSignature(let token):
            queryText += (queryText.isEmpty ? "" : "&") + token
        }
        let url = "\(self.account.scheme)://\(self.account.authority)\(path)" + (queryText.isEmpty ? "" : "?\(queryText)")
        return BlobHTTPRequest(method: method, url: url, headers: headers, body: body)
    }

    /// An HTTP date (RFC 1123, in GMT).
    static func httpDate(now: time_t) -> String {
        var seconds = now
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}

extension BlobServiceError {
    init(status: Int, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }
}

/// A listing whose pages never end: the service named a marker it had named before.
struct BlobListingError: Error, Sendable, CustomStringConvertible {
    var prefix: String

    var description: String { "the listing of '\(self.prefix)' does not end (a marker came twice, or 100,000 pages)" }
}
