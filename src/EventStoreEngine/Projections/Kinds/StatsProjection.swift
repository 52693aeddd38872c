public import EventStoreCore
import EventJSON

/// `stats`: per event type, the count and the first and last offset and timestamp; read whole, with the totals.
///
/// The model holds one entry per type (key: the type), so a batch rewrites only the types it saw.
public struct StatsProjection: ProjectionKind {
    public static let name = "stats"
    public let filter: EventFilter

    public init(definition: ProjectionDefinition, topic: TopicName) throws(EventStoreError) {
        guard definition.deleteTypes == nil else {
            throw EventStoreError(.invalidArgument, "delete_types applies to the by-key kinds, not to stats")
        }
        self.filter = definition.types.map { EventFilter(types: $0) } ?? .all
    }

    public func keysRead(by event: Event) -> [ProjectionKey] {
        [ProjectionKey(event.type)]
    }

    /// Each key (each type, for stats) is its own partition: an event reads and writes only its own entry.
    public func partition(of event: Event) -> ProjectionKey? { ProjectionKey(event.type) }

    public func fold(_ event: Event, into model: inout ProjectionModel) throws {
        _ = try self.foldAtOnce(CollectionOfOne(event), into: &model)
    }

    /// Each type's entry is read and written once per run, with the run's count and its first and last event.
    public func foldAtOnce(_ events: some Collection<Event>, into model: inout ProjectionModel) throws -> Bool {
        var runs: [ProjectionKey: (first: Event, last: Event, count: Int64)] = [:]
        for event in events {
            let key = ProjectionKey(event.type)
            if let run = runs[key] {
                runs[key] = (run.first, event, run.count + 1)
            } else {
                runs[key] = (event, event, 1)
            }
        }
        for (key, run) in runs {
            let lastTimestamp = Self.timestamp(of: run.last)
            var stats = try model.value(of: key).map { try TypeStats(json: $0.bytes) }
                ?? TypeStats(count: 0, firstOffset: run.first.offset, lastOffset: 0, firstTimestamp: Self.timestamp(of: run.first), lastTimestamp: [])
            stats.count += run.count
            stats.lastOffset = run.last.offset
            stats.lastTimestamp = lastTimestamp
            model.set(key, to: RawJSON(storedBytes: stats.json()))
        }
        return true
    }

    /// The event's timestamp as a JSON string.
    private static func timestamp(of event: Event) -> [UInt8] {
        var writer = JSONWriter(capacity: 32)
        writer.timestamp(event.timestamp)
        return writer.bytes
    }

    public var isReadWhole: Bool { true }

    /// The totals and each type's entry; past ``ProjectionService/maxWholeEntries`` types, the first ones (by name)
    /// with `"types_truncated": true`, the totals then covering those.
    public func wholeState(of entries: [ProjectionEntry]) throws -> RawJSON {
        let truncated = entries.count > ProjectionService.maxWholeEntries
        let types = try entries.prefix(ProjectionService.maxWholeEntries).map { ($0.key.text, try TypeStats(json: $0.value.bytes)) }
        let first = types.min { $0.1.firstOffset < $1.1.firstOffset }?.1
        let last = types.max { $0.1.lastOffset < $1.1.lastOffset }?.1
        var writer = JSONWriter(capacity: 128 + types.count * 160)
        writer.raw("{")
        writer.key("count")
        writer.int(types.reduce(Int64(0)) { $0 + $1.1.count })
        writer.raw(",")
        writer.key("first_offset")
        writer.optionalInt(first?.firstOffset)
        writer.raw(",")
        writer.key("last_offset")
        writer.optionalInt(last?.lastOffset)
        writer.raw(",")
        writer.key("first_timestamp")
        if let first { writer.raw(first.firstTimestamp) } else { writer.raw("null") }
        writer.raw(",")
        writer.key("last_timestamp")
        if let last { writer.raw(last.lastTimestamp) } else { writer.raw("null") }
        writer.raw(",")
        writer.key("types")
        writer.raw("{")
        for (index, (type, stats)) in types.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.string(type)
            writer.raw(":")
            writer.raw(stats.json())
        }
        writer.raw("},")
        writer.key("types_truncated")
        writer.bool(truncated)
        writer.raw("}")
        return RawJSON(storedBytes: writer.bytes)
    }
}

/// One type's entry: `{"count":3,"first_offset":0,"last_offset":9,"first_timestamp":"…","last_timestamp":"…"}`.
struct TypeStats {
    var count: Int64
    var firstOffset: Int64
    var lastOffset: Int64
    /// JSON strings, as written.
    var firstTimestamp: [UInt8]
    var lastTimestamp: [UInt8]

    init(count: Int64, firstOffset: Int64, lastOffset: Int64, firstTimestamp: [UInt8], lastTimestamp: [UInt8]) {
        self.count = count
        self.firstOffset = firstOffset
        self.lastOffset = lastOffset
        self.firstTimestamp = firstTimestamp
        self.lastTimestamp = lastTimestamp
    }

    init(json: [UInt8]) throws {
        var reader = JSONReader(json)
        var count: Int64 = 0
        var firstOffset: Int64 = 0
        var lastOffset: Int64 = 0
        var firstTimestamp: [UInt8] = Array("null".utf8)
        var lastTimestamp: [UInt8] = Array("null".utf8)
        try reader.readObject { field, reader throws(JSONParseError) in
            switch field {
            case "count": count = try reader.readInt64()
            case "first_offset": firstOffset = try reader.readInt64()
            case "last_offset": lastOffset = try reader.readInt64()
            case "first_timestamp": firstTimestamp = Array(try reader.readRawValue())
            case "last_timestamp": lastTimestamp = Array(try reader.readRawValue())
            default: try reader.skipValue()
            }
        }
        self.init(count: count, firstOffset: firstOffset, lastOffset: lastOffset, firstTimestamp: firstTimestamp, lastTimestamp: lastTimestamp)
    }

    func json() -> [UInt8] {
        var writer = JSONWriter(capacity: 160)
        writer.raw("{")
        writer.key("count")
        writer.int(self.count)
        writer.raw(",")
        writer.key("first_offset")
        writer.int(self.firstOffset)
        writer.raw(",")
        writer.key("last_offset")
        writer.int(self.lastOffset)
        writer.raw(",")
        writer.key("first_timestamp")
        writer.raw(self.firstTimestamp)
        writer.raw(",")
        writer.key("last_timestamp")
        writer.raw(self.lastTimestamp)
        writer.raw("}")
        return writer.bytes
    }
}
