import EventJSON
import Hummingbird

extension Request {
    /// Collects a JSON request body of at most `limit` bytes.
    /// - Throws: 415 for a non-JSON `Content-Type`, 413 for a larger body (at once, before reading it, when its
    ///   `Content-Length` says so).
    mutating func collectJSONBody(limit: Int) async throws -> [UInt8] {
        if let declared = self.headers[.contentLength], let length = Int(declared), length > limit {
            throw APIProblem(status: .contentTooLarge, detail: "the request body is larger than the limit of \(limit) bytes")
        }
        if let contentType = self.headers[.contentType] {
            let mediaType = String(contentType.split(separator: ";").first ?? "").filter { $0 != " " && $0 != "\t" }.lowercased()
            guard mediaType == "application/json" || mediaType.hasSuffix("+json") else {
                throw APIProblem(status: .unsupportedMediaType, detail: "the body must be application/json, got \(mediaType.prefix(100))")
            }
        }
        let buffer: ByteBuffer
        do {
            buffer = try await self.collectBody(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw APIProblem(status: .contentTooLarge, detail: "the request body is larger than the limit of \(limit) bytes")
        }
        return Array(buffer.readableBytesView)
    }
}

extension Response {
    /// A JSON response from a finished writer.
    static func json(_ status: HTTPResponse.Status = .ok, _ writer: JSONWriter, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: writer.buffer))
    }
}
