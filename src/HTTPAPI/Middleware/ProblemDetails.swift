import EventJSON
import EventStoreCore
import Hummingbird

/// An RFC 9457 problem document, the body of every error response (`application/problem+json`).
struct ProblemDetails: Sendable {
    /// A URI naming the kind of problem: `urn:eventstore:problem:<code>` for the store's own problems,
    /// `about:blank` for plain HTTP ones (the title is then the status phrase).
    var type: String
    var title: String
    var status: HTTPResponse.Status
    var detail: String
    /// The request path the problem occurred on.
    var instance: String?
    /// For a failed append condition: the topic's head.
    var head: Int64?
    var headers: HTTPFields = [:]

    init(status: HTTPResponse.Status, detail: String, type: String = "about:blank", title: String? = nil) {
        self.type = type
        self.title = title ?? status.reasonPhrase
        self.status = status
        self.detail = detail
    }

    /// The problem for a domain error.
    init(_ error: EventStoreError) {
        let (status, code, title) = Self.mapping(error.code)
        self.init(status: status, detail: error.message, type: "urn:eventstore:problem:\(code)", title: title)
        self.head = error.head
        if error.code == .overloaded { self.headers[.retryAfter] = "1" }
    }

    private static func mapping(_ code: EventStoreError.Code) -> (HTTPResponse.Status, String, String) {
        switch code {
        case .invalidArgument: (.badRequest, "invalid-request", "Invalid request")
        case .limitExceeded: (.unprocessableContent, "limit-exceeded", "Limit exceeded")
        case .unsupportedConfiguration: (.unprocessableContent, "unsupported-configuration", "Unsupported topic configuration")
        case .topicNotFound: (.notFound, "topic-not-found", "Topic not found")
        case .eventNotFound: (.notFound, "event-not-found", "Event not found")
        case .topicConflict: (.conflict, "topic-conflict", "Topic exists with another configuration")
        case .conditionFailed: (.conflict, "condition-failed", "Append condition failed")
        case .storageUnavailable: (.serviceUnavailable, "storage-unavailable", "Storage unavailable")
        case .storageCorrupted: (.serviceUnavailable, "storage-corrupted", "Storage corrupted")
        case .subscriptionNotFound: (.notFound, "subscription-not-found", "Subscription not found")
        case .callbackRefused: (.unprocessableContent, "callback-refused", "Callback destination refused")
        case .overloaded: (.tooManyRequests, "overloaded", "Too many requests at once")
        case .storageFull: (.init(code: 507, reasonPhrase: "Insufficient Storage"), "storage-full", "Storage full")
        case .projectionNotFound: (.notFound, "projection-not-found", "Projection not found")
        case .entryNotFound: (.notFound, "entry-not-found", "Entry not found")
        case .projectionConflict: (.conflict, "projection-conflict", "Projection conflict")
        case .waitTimedOut: (.gatewayTimeout, "wait-timed-out", "Checkpoint not reached in time")
        case .generationFenced: (.serviceUnavailable, "projection-replaced", "Projection generation replaced")
        case .payloadTooLarge: (.contentTooLarge, "payload-too-large", "Batch too large for the topic's storage")
        default: (.internalServerError, "internal", "Internal error")
        }
    }

    func response() -> Response {
        var writer = JSONWriter(capacity: 256)
        writer.raw("{")
        writer.key("type")
        writer.string(self.type)
        writer.raw(",")
        writer.key("title")
        writer.string(self.title)
        writer.raw(",")
        writer.key("status")
        writer.int(Int(self.status.code))
        writer.raw(",")
        writer.key("detail")
        writer.string(self.detail)
        if let instance {
            writer.raw(",")
            writer.key("instance")
            writer.string(instance)
        }
        if let head {
            writer.raw(",")
            writer.key("head")
            writer.int(head)
        }
        writer.raw("}")
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        return Response(status: self.status, headers: headers, body: .init(byteBuffer: writer.buffer))
    }
}
