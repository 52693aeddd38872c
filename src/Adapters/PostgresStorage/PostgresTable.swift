import EventStoreCore

/// Where a topic's events live: `"schema"."table"`, with the topics' metadata table beside it.
///
/// Names are always double-quoted (a quote inside doubled, byte by byte), so any name PostgreSQL allows is safe in
/// SQL and no name can inject SQL. New topics may only name plain identifiers (``isPlainIdentifier(_:)``); names
/// already in a catalog open as they are. Values never appear in SQL text: they travel as parameters.
struct PostgresTable: Sendable, Hashable {
    let schema: String
    let table: String

    /// The configured schema and table, or `public` and `events_<topic>`.
    /// - Throws: `EventStoreError.unsupportedConfiguration` for a name PostgreSQL cannot hold.
    init(configuration: TopicConfiguration) throws(EventStoreError) {
        self.schema = configuration.schema ?? "public"
        self.table = configuration.table ?? Self.defaultTable(for: configuration.name)
        for (field, name) in [("schema", self.schema), ("table", self.table)] {
            guard !name.isEmpty, name.utf8.count <= 63, !name.contains("\0") else {
                throw EventStoreError(.unsupportedConfiguration, "\(field) must be 1 to 63 bytes without NUL characters")
            }
        }
    }

    /// `events_<topic>`; a name too long for PostgreSQL's 63 bytes is shortened and given a hash of the whole.
    static func defaultTable(for topic: TopicName) -> String {
        let name = "events_" + topic.rawValue
        guard name.utf8.count > 63 else { return name }
        return String(name.prefix(50)) + "_" + Self.hash(topic.rawValue)
    }

    /// `"schema"."table"`.
    var qualified: String { Self.quote(self.schema) + "." + Self.quote(self.table) }

    /// The schema's topic metadata table: each topic's next offset.
    var topicsTable: String { Self.quote(self.schema) + ".eventstore_topics" }

    /// A table beside this one, `"schema"."<table>_<purpose>"` (or, when that passes 63 bytes, a name made of the
    /// table's hash): where the topic's projections live.
    func companionTable(_ purpose: String) -> String {
        let name = self.table + "_" + purpose
        guard name.utf8.count > 63 else { return Self.quote(self.schema) + "." + Self.quote(name) }
        return Self.quote(self.schema) + "." + Self.quote("eventstore_\(Self.hash(self.schema + "." + self.table))_\(purpose)")
    }

    /// An index name unique to this table and `purpose`, within 63 bytes.
    func indexName(_ purpose: String) -> String {
        Self.quote("eventstore_\(Self.hash(self.schema + "." + self.table))_\(purpose)")
    }

    /// `name` as a quoted identifier. Quotes are doubled byte by byte: a quote followed by a combining mark is one
    /// `Character`, and comparing characters would leave it alone to close the identifier.
    static func quote(_ name: String) -> String {
        var quoted: [UInt8] = [UInt8(ascii: "\"")]
        quoted.reserveCapacity(name.utf8.count + 2)
        for byte in name.utf8 {
            if byte == UInt8(ascii: "\"") { quoted.append(byte) }
            quoted.append(byte)
        }
        quoted.append(UInt8(ascii: "\""))
        return String(decoding: quoted, as: UTF8.self)
    }

    /// Whether a client-given schema or table name is a plain identifier: `^[A-Za-z_][A-Za-z0-9_]{0,62}$`.
    static func isPlainIdentifier(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard (1...63).contains(bytes.count) else { return false }
        func isLetter(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || byte == UInt8(ascii: "_")
        }
        return isLetter(bytes[0]) && bytes.dropFirst().allSatisfy { isLetter($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    /// 8 hex digits of FNV-1a over `text`.
    private static func hash(_ text: String) -> String {
        var hash: UInt32 = 2_166_136_261
        for byte in text.utf8 {
            hash = (hash ^ UInt32(byte)) &* 16_777_619
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 8 - hex.count) + hex
    }
}

/// PostgreSQL array literals (`{"a","b",NULL}`) for array parameters.
enum PGArray {
    static func literal(_ values: [String?]) -> String {
        String(decoding: self.bytes(values.map { $0?.utf8 }), as: UTF8.self)
    }

    /// The literal as UTF-8 bytes, from each element's UTF-8 bytes.
    static func bytes<Element: Collection<UInt8>>(_ values: [Element?]) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        bytes.reserveCapacity(values.reduce(2) { $0 + ($1?.count ?? 4) + 3 })
        for (index, value) in values.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            self.appendElement(value, to: &bytes)
        }
        bytes.append(UInt8(ascii: "}"))
        return bytes
    }

    /// Appends one element, quoted and escaped (or `NULL`), without a separator.
    static func appendElement(_ value: (some Collection<UInt8>)?, to bytes: inout [UInt8]) {
        guard let value else {
            bytes.append(contentsOf: "NULL".utf8)
            return
        }
        bytes.append(UInt8(ascii: "\""))
        for byte in value {
            if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { bytes.append(UInt8(ascii: "\\")) }
            bytes.append(byte)
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
