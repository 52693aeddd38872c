import Crypto
import NIOCore

/// A file of the web console, compiled into the binary.
struct ConsoleAsset: Sendable {
    let contentType: String
    let body: ByteBuffer
    /// A strong entity tag: the first 16 bytes of the body's SHA-256, in hex.
    let entityTag: String

    init(contentType: String, text: String) {
        self.contentType = contentType
        self.body = ByteBuffer(string: text)
        self.entityTag = "\"" + AccessTokens.hex(Array(SHA256.hash(data: Array(text.utf8)).prefix(16))) + "\""
    }

    /// The page at `/console`.
    static let page = ConsoleAsset(contentType: "text/html; charset=utf-8", text: ConsolePage.html)

    /// The files at `/console/{name}`.
    static let files: [String: ConsoleAsset] = [
        "console.js": ConsoleAsset(contentType: "text/javascript; charset=utf-8", text: ConsoleScript.javaScript),
        "console.css": ConsoleAsset(contentType: "text/css; charset=utf-8", text: ConsoleStylesheet.css),
        "icon.svg": ConsoleAsset(contentType: "image/svg+xml", text: ConsolePage.icon),
    ]
}
