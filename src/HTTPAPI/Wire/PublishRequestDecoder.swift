import EventJSON
import EventStoreCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Decodes the body of `POST /topics/{topic}/events`: one event object, or `{"events": [...], "condition": {...}}`.
///
/// Strict: unknown fields, wrong types and duplicate fields are refused with a message naming the field, so a
/// typo never silently drops data. An event's `data` is validated and kept as its bytes, less the insignificant
/// whitespace between tokens: every adapter stores and serves the same compact bytes, and no line break can reach a
/// line-framed record.
enum PublishRequestDecoder {
    struct Request {
        var events: [EventDraft]
        var condition: AppendCondition?
    }

    static func decode(_ bytes: [UInt8]) throws(EventStoreError) -> Request {
        var reader = JSONReader(bytes)
        do throws(JSONParseError) {
            guard try reader.peekKind() == .object else {
                throw reader.shapeError("the body must be a JSON object: one event, or {\"events\": [...]}")
            }
            var batch: [EventDraft]?
            var condition: AppendCondition?
            var single = EventFields()
            var singleFieldSeen = false
            try reader.readObject { field, reader throws(JSONParseError) in
                switch field {
                case "events":
                    var events: [EventDraft] = []
                    guard try reader.peekKind() == .array else { throw reader.shapeError("events must be an array of event objects") }
                    try reader.readArray { reader throws(JSONParseError) in
                        events.append(try Self.decodeEvent(&reader, index: events.count))
                    }
                    batch = events
                case "condition":
                    condition = try Self.decodeCondition(&reader)
                default:
                    singleFieldSeen = true
                    try single.decodeField(field, from: &reader, index: nil)
                }
            }
            try reader.expectEnd()
            if let batch {
                guard !singleFieldSeen else {
                    throw reader.shapeError("a batch body holds only 'events' and 'condition'")
                }
                return Request(events: batch, condition: condition)
            }
            guard condition == nil else {
                throw reader.shapeError("'condition' needs a batch body: {\"events\": [...], \"condition\": {...}}")
            }
            return Request(events: [try single.draft(index: nil)], condition: nil)
        } catch {
            throw EventStoreError(.invalidArgument, error.description)
        }
    }

    private static func decodeEvent(_ reader: inout JSONReader, index: Int) throws(JSONParseError) -> EventDraft {
        guard try reader.peekKind() == .object else { throw reader.shapeError("events[\(index)] must be an event object") }
        var fields = EventFields()
        try reader.readObject { field, reader throws(JSONParseError) in
            try fields.decodeField(field, from: &reader, index: index)
        }
        return try fields.draft(index: index)
    }

    private static func decodeCondition(_ reader: inout JSONReader) throws(JSONParseError) -> AppendCondition {
        guard try reader.peekKind() == .object else { throw reader.shapeError("condition must be an object") }
        var condition = AppendCondition()
        try reader.readObject { field, reader throws(JSONParseError) in
            switch field {
            case "expected_next_offset":
                condition.expectedNextOffset = try Self.integer(&reader, "condition.expected_next_offset")
            case "after":
                condition.after = try Self.integer(&reader, "condition.after")
            case "fail_if_events_match":
                guard try reader.peekKind() == .object else { throw reader.shapeError("condition.fail_if_events_match must be an object") }
                var filter = EventFilter()
                try reader.readObject { field, reader throws(JSONParseError) in
                    let path = "condition.fail_if_events_match.\(field)"
                    switch field {
                    case "types": filter.types = try Self.stringArray(&reader, path)
                    case "keys": filter.keys = try Self.stringArray(&reader, path)
                    case "tags": filter.tags = try Self.stringArray(&reader, path)
                    default: throw reader.shapeError("unknown field '\(path)'; expected types, keys or tags")
                    }
                }
                condition.failIfEventsMatch = filter
            default:
                throw reader.shapeError("unknown field 'condition.\(field)'; expected expected_next_offset, fail_if_events_match or after")
            }
        }
        return condition
    }

    static func integer(_ reader: inout JSONReader, _ path: @autoclosure () -> String) throws(JSONParseError) -> Int64 {
        guard try reader.peekKind() == .number else { throw reader.shapeError("\(path()) must be an integer") }
        return try reader.readInt64()
    }

    static func string(_ reader: inout JSONReader, _ path: @autoclosure () -> String) throws(JSONParseError) -> String {
        guard try reader.peekKind() == .string else { throw reader.shapeError("\(path()) must be a string") }
        return try reader.readString()
    }

    static func stringArray(_ reader: inout JSONReader, _ path: @autoclosure () -> String) throws(JSONParseError) -> [String] {
        guard try reader.peekKind() == .array else { throw reader.shapeError("\(path()) must be an array of strings") }
        var values: [String] = []
        try reader.readArray { reader throws(JSONParseError) in
            values.append(try Self.string(&reader, "\(path())[\(values.count)]"))
        }
        return values
    }

    /// The fields of one event object as they are read.
    private struct EventFields {
        var id: UUID?
        var type: String?
        var key: String?
        var tags: [String] = []
        var data: RawJSON = .null
        var metadata: [String: String] = [:]

        /// - Parameter index: the event's position in a batch, nil for a single event; it only names fields in errors.
        mutating func decodeField(_ field: String, from reader: inout JSONReader, index: Int?) throws(JSONParseError) {
            func path() -> String { EventFields.prefix(index) }
            switch field {
            case "id":
                let text = try PublishRequestDecoder.string(&reader, "\(path())id")
                guard let id = UUID(canonical: text) else { throw reader.shapeError("\(path())id must be a UUID, got '\(text.prefix(64))'") }
                self.id = id
            case "type":
                self.type = try PublishRequestDecoder.string(&reader, "\(path())type")
            case "key":
                if try !reader.readNullIfPresent() {
                    self.key = try PublishRequestDecoder.string(&reader, "\(path())key")
                }
            case "tags":
                self.tags = try PublishRequestDecoder.stringArray(&reader, "\(path())tags")
            case "data":
                // Compact data (what clients mostly send) is taken as it is; only data with whitespace is scanned.
                let (raw, hasWhitespace) = try reader.readRawValueNotingWhitespace()
                self.data = hasWhitespace ? RawJSON(validatedBytes: Array(raw)) : RawJSON(storedBytes: Array(raw))
            case "metadata":
                guard try reader.peekKind() == .object else { throw reader.shapeError("\(path())metadata must be an object of strings") }
                try reader.readObject { key, reader throws(JSONParseError) in
                    self.metadata[key] = try PublishRequestDecoder.string(&reader, "\(path())metadata['\(key)']")
                }
            default:
                throw reader.shapeError("unknown field '\(path())\(field)'; an event has type, data, id, key, tags and metadata")
            }
        }

        func draft(index: Int?) throws(JSONParseError) -> EventDraft {
            guard let type else { throw JSONParseError(message: "\(Self.prefix(index))type is required", offset: 0, isSyntaxError: false) }
            return EventDraft(id: self.id, type: type, key: self.key, tags: self.tags, data: self.data, metadata: self.metadata)
        }

        static func prefix(_ index: Int?) -> String {
            index.map { "events[\($0)]." } ?? ""
        }
    }
}
