/// How a topic is bound to storage, in the client's format:
/// `{"name": "orders", "adapter": "postgres", "connection": "...", "schema": "public", "table": "order_events", "options": {...}}`.
///
/// `connection` may hold secrets; use ``redacted()`` before showing a configuration to anyone.
public struct TopicConfiguration: Sendable, Hashable {
    public var name: TopicName
    public var adapter: AdapterKind
    /// Adapter-specific location: a directory, a database URL, an Azure connection string.
    public var connection: String?
    /// PostgreSQL schema.
    public var schema: String?
    /// PostgreSQL table.
    public var table: String?
    /// Adapter-specific settings, as strings.
    public var options: [String: String]
    /// The read models kept of the topic's events. Not part of the storage binding: adding or removing one changes
    /// no topic's storage.
    public var projections: [ProjectionDefinition]

    public init(
        name: TopicName,
        adapter: AdapterKind,
        connection: String? = nil,
        schema: String? = nil,
        table: String? = nil,
        options: [String: String] = [:],
        projections: [ProjectionDefinition] = []
    ) {
        self.name = name
        self.adapter = adapter
        self.connection = connection
        self.schema = schema
        self.table = table
        self.options = options
        self.projections = projections
    }

    /// Whether `other` binds the same topic to the same storage (everything but the projections is equal): the
    /// rule that decides between 200 and 409 for a repeated creation.
    public func hasSameBinding(as other: TopicConfiguration) -> Bool {
        var mine = self
        mine.projections = other.projections
        return mine == other
    }

    /// Upper bounds on the configuration's fields.
    public static let maximumConnectionLength = 4096
    public static let maximumIdentifierLength = 63
    public static let maximumOptionCount = 64
    public static let maximumOptionLength = 1024

    /// Checks the fields every adapter of this kind requires, and the general bounds.
    ///
    /// Whether this build includes the adapter is the engine's question, not this one's.
    /// - Throws: `EventStoreError.unsupportedConfiguration` naming the first problem found.
    public func validate() throws(EventStoreError) {
        guard AdapterKind.all.contains(self.adapter) else {
            let known = AdapterKind.all.map(\.rawValue).joined(separator: ", ")
            throw EventStoreError(.unsupportedConfiguration, "unknown adapter '\(self.adapter)'; known adapters: \(known)")
        }
        let texts = [self.connection, self.schema, self.table].compactMap { $0 } + self.options.flatMap { [$0.key, $0.value] }
        if texts.contains(where: { $0.utf8.contains(0) }) {
            throw EventStoreError(.unsupportedConfiguration, "a topic configuration may not contain NUL characters")
        }
        if let connection, connection.utf8.count > Self.maximumConnectionLength {
            throw EventStoreError(.unsupportedConfiguration, "connection is longer than \(Self.maximumConnectionLength) bytes")
        }
        for (field, value) in [("schema", self.schema), ("table", self.table)] {
            guard let value else { continue }
            guard !value.isEmpty, value.utf8.count <= Self.maximumIdentifierLength else {
                throw EventStoreError(.unsupportedConfiguration, "\(field) must be 1 to \(Self.maximumIdentifierLength) bytes long")
            }
        }
        guard self.options.count <= Self.maximumOptionCount else {
            throw EventStoreError(.unsupportedConfiguration, "at most \(Self.maximumOptionCount) options are allowed")
        }
        for (key, value) in self.options where key.utf8.count > Self.maximumOptionLength || value.utf8.count > Self.maximumOptionLength {
            throw EventStoreError(.unsupportedConfiguration, "option '\(key.prefix(64))' is longer than \(Self.maximumOptionLength) bytes")
        }
        var names: Set<ProjectionName> = []
        for projection in self.projections {
            do {
                try projection.validate()
            } catch {
                throw EventStoreError(.invalidArgument, "projection '\(projection.name)': \(error.message)")
            }
            guard names.insert(projection.name).inserted else {
                throw EventStoreError(.projectionConflict, "projection '\(projection.name)' is declared twice")
            }
        }
        switch self.adapter {
        case .fileSystem, .postgres, .azureBlob:
            try self.require(self.connection, "connection")
        default:
            break
        }
    }

    private func require(_ value: String?, _ field: String) throws(EventStoreError) {
        guard let value, !value.isEmpty else {
            throw EventStoreError(.unsupportedConfiguration, "adapter '\(self.adapter)' requires \(field)")
        }
    }

    /// This configuration with every secret replaced by `***`: passwords and keys in `connection` (as
    /// `redactConnection`, the adapter's own reading, masks them), and the values of options whose names suggest a
    /// secret.
    public func redacted(connectionWith redactConnection: (String) -> String = SecretRedactor.redactConnection) -> TopicConfiguration {
        var copy = self
        copy.connection = self.connection.map(redactConnection)
        for key in self.options.keys where SecretRedactor.isSecretName(key) {
            copy.options[key] = SecretRedactor.mask
        }
        return copy
    }
}

extension TopicConfiguration: Codable {
    private enum CodingKeys: String, CodingKey, CaseIterable {
        case name, adapter, connection, schema, table, options, projections
    }

    /// Decodes the client's format strictly: unknown fields are refused, option values may be strings, numbers or
    /// booleans (stored as strings).
    public init(from decoder: any Decoder) throws {
        let unknown = try decoder.container(keyedBy: AnyCodingKey.self).allKeys.map(\.stringValue)
            .filter { CodingKeys(rawValue: $0) == nil }
        if let field = unknown.sorted().first {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown field '\(field)'"))
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let rawName = try container.decode(String.self, forKey: .name)
        do {
            self.name = try TopicName(rawName)
        } catch {
            throw DecodingError.dataCorruptedError(forKey: .name, in: container, debugDescription: error.message)
        }
        self.adapter = AdapterKind(try container.decode(String.self, forKey: .adapter))
        self.connection = try container.decodeIfPresent(String.self, forKey: .connection)
        self.schema = try container.decodeIfPresent(String.self, forKey: .schema)
        self.table = try container.decodeIfPresent(String.self, forKey: .table)
        self.projections = try container.decodeIfPresent([ProjectionDefinition].self, forKey: .projections) ?? []
        self.options = [:]
        if container.contains(.options) {
            let options = try container.nestedContainer(keyedBy: AnyCodingKey.self, forKey: .options)
            for key in options.allKeys {
                if let string = try? options.decode(String.self, forKey: key) {
                    self.options[key.stringValue] = string
                } else if let bool = try? options.decode(Bool.self, forKey: key) {
                    self.options[key.stringValue] = String(bool)
                } else if let int = try? options.decode(Int64.self, forKey: key) {
                    self.options[key.stringValue] = String(int)
                } else {
                    throw DecodingError.dataCorruptedError(
                        forKey: key,
                        in: options,
                        debugDescription: "option values must be strings, numbers or booleans"
                    )
                }
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.name.rawValue, forKey: .name)
        try container.encode(self.adapter.rawValue, forKey: .adapter)
        try container.encodeIfPresent(self.connection, forKey: .connection)
        try container.encodeIfPresent(self.schema, forKey: .schema)
        try container.encodeIfPresent(self.table, forKey: .table)
        if !self.options.isEmpty {
            try container.encode(self.options, forKey: .options)
        }
        if !self.projections.isEmpty {
            try container.encode(self.projections, forKey: .projections)
        }
    }
}

/// A coding key for dictionaries with arbitrary string keys.
struct AnyCodingKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
