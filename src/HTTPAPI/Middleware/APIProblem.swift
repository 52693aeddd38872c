import Hummingbird

/// An HTTP-level error raised by the API layer itself (as opposed to the domain's `EventStoreError`).
struct APIProblem: Error, Sendable {
    var status: HTTPResponse.Status
    var detail: String
    var headers: HTTPFields = [:]

    /// 401 with the bearer challenge; `error` (RFC 6750) says why a token that came was refused.
    static func unauthorized(_ detail: String, error: String? = nil) -> APIProblem {
        APIProblem(
            status: .unauthorized,
            detail: detail,
            headers: [.wwwAuthenticate: #"Bearer realm="eventstore""# + (error.map { #", error="\#($0)""# } ?? "")]
        )
    }

    /// 403: the token may not do this.
    static func forbidden(_ detail: String) -> APIProblem {
        APIProblem(status: .forbidden, detail: detail, headers: [.wwwAuthenticate: #"Bearer realm="eventstore", error="insufficient_scope""#])
    }
}
