/// A projection as a topic declares it: `{"name": "order-totals", "kind": "state-by-key", "types": [...],
/// "delete_types": [...]}`.
///
/// Whether the kind exists and accepts the fields is the engine's question (its registered kinds).
public struct ProjectionDefinition: Sendable, Hashable {
    public var name: ProjectionName
    /// The registered kind that folds the events: `stats`, `latest-by-key`, `state-by-key`, or a custom one.
    public var kind: String
    /// Event types the projection folds; nil folds every type.
    public var types: [String]?
    /// Event types that remove their key from the model (by-key kinds).
    public var deleteTypes: [String]?

    public init(name: ProjectionName, kind: String, types: [String]? = nil, deleteTypes: [String]? = nil) {
        self.name = name
        self.kind = kind
        self.types = types
        self.deleteTypes = deleteTypes
    }

    /// The filter of the by-key kinds: every event, or those of `types` and `deleteTypes`.
    public var byKeyFilter: EventFilter {
        guard let types = self.types else { return .all }
        return EventFilter(types: types + (self.deleteTypes ?? []))
    }

    /// What the read model depends on: the kind and the types, not the name. A stored model made under another
    /// fingerprint is not resumed.
    public var fingerprint: String {
        let types = self.types.map { $0.joined(separator: "\u{1}") } ?? "*"
        let deleteTypes = self.deleteTypes.map { $0.joined(separator: "\u{1}") } ?? "-"
        return "\(self.kind)\u{2}\(types)\u{2}\(deleteTypes)"
    }

    /// The longest kind name and event type accepted, in bytes.
    public static let maximumTextLength = 256

    /// Checks the general bounds: type lists of at most ``EventFilter/maximumValues`` non-empty entries of bounded
    /// length, without NUL.
    /// - Throws: `EventStoreError.invalidArgument` naming the field.
    public func validate() throws(EventStoreError) {
        guard !self.kind.isEmpty, self.kind.utf8.count <= Self.maximumTextLength, !self.kind.utf8.contains(0) else {
            throw EventStoreError(.invalidArgument, "kind must be 1 to \(Self.maximumTextLength) bytes")
        }
        if let types = self.types, types.count + (self.deleteTypes?.count ?? 0) > EventFilter.maximumValues {
            throw EventStoreError(.invalidArgument, "types and delete_types may list at most \(EventFilter.maximumValues) event types together")
        }
        for (field, values) in [("types", self.types), ("delete_types", self.deleteTypes)] {
            guard let values else { continue }
            guard values.count <= EventFilter.maximumValues else {
                throw EventStoreError(.invalidArgument, "\(field) may list at most \(EventFilter.maximumValues) event types")
            }
            for value in values where value.isEmpty || value.utf8.count > Self.maximumTextLength || value.utf8.contains(0) {
                throw EventStoreError(.invalidArgument, "\(field) entries must be 1 to \(Self.maximumTextLength) bytes, without NUL")
            }
        }
    }
}

extension ProjectionDefinition: Codable {
    private enum CodingKeys: String, CodingKey, CaseIterable {
        case name, kind, types
        case deleteTypes = "delete_types"
    }

    /// Decodes strictly: unknown fields are refused.
    public init(from decoder: any Decoder) throws {
        let unknown = try decoder.container(keyedBy: AnyCodingKey.self).allKeys.map(\.stringValue)
            .filter { CodingKeys(rawValue: $0) == nil }
        if let field = unknown.sorted().first {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "unknown field '\(field.prefix(100))'")
            )
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        do {
            self.name = try ProjectionName(try container.decode(String.self, forKey: .name))
        } catch let error as EventStoreError {
            throw DecodingError.dataCorruptedError(forKey: .name, in: container, debugDescription: error.message)
        }
        self.kind = try container.decode(String.self, forKey: .kind)
        self.types = try container.decodeIfPresent([String].self, forKey: .types)
        self.deleteTypes = try container.decodeIfPresent([String].self, forKey: .deleteTypes)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(self.name.rawValue, forKey: .name)
        try container.encode(self.kind, forKey: .kind)
        try container.encodeIfPresent(self.types, forKey: .types)
        try container.encodeIfPresent(self.deleteTypes, forKey: .deleteTypes)
    }
}
