public import EventStoreCore
import EventJSON
import EventWire

/// `latest-by-key`: the last event of each key (as the API shows events), of the listed `types` if given; an event of
/// `delete_types` removes its key. Events without a key are skipped.
public struct LatestByKeyProjection: ProjectionKind {
    public static let name = "latest-by-key"
    public let filter: EventFilter
    private let topic: TopicName
    private let deleteTypes: Set<String>

    public init(definition: ProjectionDefinition, topic: TopicName) throws(EventStoreError) {
        self.filter = definition.byKeyFilter
        self.topic = topic
        self.deleteTypes = Set(definition.deleteTypes ?? [])
    }

    public func keysRead(by event: Event) -> [ProjectionKey] { [] }

    /// Each key (each type, for stats) is its own partition: an event reads and writes only its own entry.
    public func partition(of event: Event) -> ProjectionKey? { event.key.map(ProjectionKey.init) ?? ProjectionKey("") }

    public func fold(_ event: Event, into model: inout ProjectionModel) throws {
        guard let key = event.key else { return }
        if self.deleteTypes.contains(event.type) {
            model.remove(ProjectionKey(key))
            return
        }
        var writer = JSONWriter(capacity: 256 + event.data.bytes.count)
        writer.event(event, topic: self.topic)
        model.set(ProjectionKey(key), to: RawJSON(storedBytes: writer.bytes))
    }

    /// Only each key's last event of the run counts: the others are never written out.
    public func foldAtOnce(_ events: some Collection<Event>, into model: inout ProjectionModel) throws -> Bool {
        var last: [String: Event] = [:]
        for event in events {
            if let key = event.key { last[key] = event }
        }
        for event in last.values { try self.fold(event, into: &model) }
        return true
    }
}
