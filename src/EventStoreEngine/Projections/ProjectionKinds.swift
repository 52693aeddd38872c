public import EventStoreCore

/// The projection kinds a service offers, by name: the one place a kind is registered.
public struct ProjectionKinds: Sendable {
    /// The kinds every build has: `stats`, `latest-by-key`, `state-by-key`.
    public static let builtIn = ProjectionKinds([StatsProjection.self, LatestByKeyProjection.self, StateByKeyProjection.self])

    private let kinds: [String: any ProjectionKind.Type]

    public init(_ kinds: [any ProjectionKind.Type]) {
        self.kinds = Dictionary(kinds.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// These kinds and `more` (a kind of a name already here is not replaced).
    public func adding(_ more: [any ProjectionKind.Type]) -> ProjectionKinds {
        ProjectionKinds(self.names.compactMap { self.kinds[$0] } + more)
    }

    /// The kinds' names, sorted.
    public var names: [String] { self.kinds.keys.sorted() }

    /// The fold of one projection.
    /// - Throws: `EventStoreError.invalidArgument` for an unknown kind or a field the kind refuses.
    public func fold(for definition: ProjectionDefinition, topic: TopicName) throws(EventStoreError) -> any ProjectionKind {
        guard let kind = self.kinds[definition.kind] else {
            throw EventStoreError(
                .invalidArgument,
                "projection '\(definition.name)': kind '\(definition.kind.prefix(100))' is not one of \(self.names.joined(separator: ", "))"
            )
        }
        try definition.validate()
        do {
            return try kind.init(definition: definition, topic: topic)
        } catch {
            throw EventStoreError(error.code, "projection '\(definition.name)': \(error.message)")
        }
    }
}
