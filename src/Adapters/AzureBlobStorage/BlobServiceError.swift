/// An error answer of the Blob service: its status, its `x-ms-error-code` (or the error body's `Code`), and its
/// message.
struct BlobServiceError: Error, Sendable, CustomStringConvertible {
    let status: Int
    /// `ConditionNotMet`, `BlobAlreadyExists`, `AppendPositionConditionNotMet`, `ServerBusy`, ... (empty if none).
    let code: String
    let message: String

    init(_ response: BlobHTTPResponse) {
        let body = BlobXML.parse(response.body)
        self.status = response.status
        self.code = response.header("x-ms-error-code") ?? body?.child("Code")?.text ?? ""
        // The first line: the service adds request ids and times on the next ones.
        let message = body?.child("Message")?.text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
        self.message = String(message.prefix(300))
    }

    var description: String {
        "the Blob service answered \(self.status)" + (self.code.isEmpty ? "" : " \(self.code)") + (self.message.isEmpty ? "" : ": \(self.message)")
    }

    /// The credentials were refused (a wrong key, an expired or insufficient SAS).
    var isAuthenticationFailure: Bool {
        self.status == 403 || self.code == "AuthenticationFailed" || self.code.hasPrefix("AuthorizationFailure")
            || self.code == "AuthorizationPermissionMismatch"
    }

    /// The service is throttling or briefly unable to answer: retry after a pause.
    var isRetryable: Bool {
        self.status == 503 || self.status == 500 || self.code == "ServerBusy" || self.code == "OperationTimedOut" || self.status == 429
    }
}
