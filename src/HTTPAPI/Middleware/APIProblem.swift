import Hummingbird

/// An HTTP-level error raised by the API layer itself (as opposed to the domain's `EventStoreError`).
struct APIProblem: Error, Sendable {
    var status: HTTPResponse.Status
    var detail: String
    var headers: HTTPFields = [:]
}
