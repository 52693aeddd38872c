import HTTPTypes
import Hummingbird

/// The web console: `GET /console` and the files it loads from `/console/{asset}`, all compiled into the binary (a
/// copied executable serves it alone). The files hold no data and need no token; the page asks for one when the API
/// answers 401, and keeps it in the tab's session storage.
struct ConsoleController<Context: RequestContext>: Sendable {
    /// What the console's responses may load: only files of this origin, no inline script or style, no frames,
    /// no forms sent anywhere, and requests (the API and the event stream) to this origin alone.
    static var contentSecurityPolicy: String {
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
            + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    }

    func addRoutes(to router: Router<Context>) {
        router.get("/console", use: self.page)
        router.get("/console/{asset}", use: self.asset)
    }

    @Sendable func page(_ request: Request, context: Context) async throws -> Response {
        Self.response(for: ConsoleAsset.page, request: request)
    }

    @Sendable func asset(_ request: Request, context: Context) async throws -> Response {
        let name = context.parameters.get("asset") ?? ""
        guard let asset = ConsoleAsset.files[name] else {
            throw APIProblem(status: .notFound, detail: "the console has no file '\(name)'")
        }
        return Self.response(for: asset, request: request)
    }

    /// The asset, or 304 when the browser's copy (`If-None-Match`) is current. Browsers revalidate every load
    /// (`no-cache`), so a new binary's console is picked up at once.
    static func response(for asset: ConsoleAsset, request: Request) -> Response {
        var headers: HTTPFields = [
            .contentType: asset.contentType,
            .eTag: asset.entityTag,
            .cacheControl: "no-cache",
            .contentSecurityPolicy: Self.contentSecurityPolicy,
            .xContentTypeOptions: "nosniff",
            .referrerPolicy: "no-referrer",
            .crossOriginOpenerPolicy: "same-origin",
        ]
        if let tags = request.headers[.ifNoneMatch], Self.matches(tags, asset.entityTag) {
            headers[.contentType] = nil
            return Response(status: .notModified, headers: headers)
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: asset.body))
    }

    /// Whether an `If-None-Match` list names `tag`: `*`, or the tag compared weakly (a `W/` prefix ignored).
    static func matches(_ list: String, _ tag: String) -> Bool {
        list.split(separator: ",").contains { item in
            let candidate = item.filter { $0 != " " && $0 != "\t" }
            return candidate == "*" || candidate == tag || candidate == "W/" + tag
        }
    }
}

extension HTTPField.Name {
    fileprivate static let referrerPolicy = Self("Referrer-Policy")!
    fileprivate static let crossOriginOpenerPolicy = Self("Cross-Origin-Opener-Policy")!
}
