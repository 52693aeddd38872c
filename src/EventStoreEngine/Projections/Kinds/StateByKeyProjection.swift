public import EventStoreCore
import EventJSON

/// `state-by-key`: each key's state, the JSON Merge Patch (RFC 7396) of its events' `data` in offset order, of the
/// listed `types` if given; an event of `delete_types` removes the key. Events without a key are skipped.
public struct StateByKeyProjection: ProjectionKind {
    public static let name = "state-by-key"
    public let filter: EventFilter
    private let deleteTypes: Set<String>

    public init(definition: ProjectionDefinition, topic: TopicName) throws(EventStoreError) {
        self.filter = definition.byKeyFilter
        self.deleteTypes = Set(definition.deleteTypes ?? [])
    }

    public func keysRead(by event: Event) -> [ProjectionKey] {
        guard let key = event.key, !self.deleteTypes.contains(event.type) else { return [] }
        return [ProjectionKey(key)]
    }

    /// Each key (each type, for stats) is its own partition: an event reads and writes only its own entry.
    public func partition(of event: Event) -> ProjectionKey? { event.key.map(ProjectionKey.init) ?? ProjectionKey("") }

    /// The largest state of one key, in bytes: an event that would make it larger fails the projection, naming it.
    public static let maxStateBytes = 4 << 20

    public func fold(_ event: Event, into model: inout ProjectionModel) throws {
        guard let key = event.key.map(ProjectionKey.init) else { return }
        if self.deleteTypes.contains(event.type) {
            model.remove(key)
            return
        }
        let state = try JSONMergePatch.apply(event.data.bytes, to: model.value(of: key)?.bytes)
        guard state.count <= Self.maxStateBytes else {
            throw EventStoreError(.limitExceeded, "the state of key '\(key.text.prefix(100))' would pass \(Self.maxStateBytes) bytes")
        }
        model.set(key, to: RawJSON(storedBytes: state))
    }
}
