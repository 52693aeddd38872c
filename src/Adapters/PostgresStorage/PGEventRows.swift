import EventJSON
import EventStoreCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Events' columns as PostgreSQL array literals, one element per event, for the insert's `unnest`.
///
/// An append group is encoded before its transaction locks the topic's row, so the lock, which every append to the
/// topic waits for, is held while PostgreSQL inserts rather than while this process encodes. When planning leaves
/// events out (already stored, failed condition), the literals of the rest are cut from the same encoding.
struct PGEventRows {
    /// One column's elements, each preceded by a comma, and the end of each.
    private struct Column {
        var bytes: [UInt8] = []
        var ends: [Int] = []

        mutating func append(_ value: (some Collection<UInt8>)?) {
            self.bytes.append(UInt8(ascii: ","))
            PGArray.appendElement(value, to: &self.bytes)
            self.ends.append(self.bytes.count)
        }

        /// Appends an id in its canonical text form, which needs no quotes.
        mutating func append(uuid: UUID) {
            self.bytes.append(UInt8(ascii: ","))
            JSONWriter.appendCanonicalText(of: uuid, to: &self.bytes)
            self.ends.append(self.bytes.count)
        }

        /// The literal of every element, or of those at `rows` (ascending).
        func literal(rows: [Int]?) -> [UInt8] {
            var literal: [UInt8] = [UInt8(ascii: "{")]
            literal.reserveCapacity(self.bytes.count + 2)
            if let rows {
                for row in rows {
                    let element = self.bytes[(row == 0 ? 0 : self.ends[row - 1])..<self.ends[row]]
                    literal.append(contentsOf: literal.count == 1 ? element.dropFirst() : element)
                }
            } else {
                literal.append(contentsOf: self.bytes.dropFirst())
            }
            literal.append(UInt8(ascii: "}"))
            return literal
        }
    }

    private var ids = Column()
    private var types = Column()
    private var keys = Column()
    private var tags = Column()
    private var data = Column()
    private var metadata = Column()
    private var timestamps = Column()
    /// How many events are encoded.
    private(set) var count = 0

    init(_ events: some Sequence<NewEvent>) {
        for event in events {
            self.ids.append(uuid: event.id)
            self.types.append(event.type.utf8)
            self.keys.append(event.key?.utf8)
            self.tags.append(PGArray.bytes(event.tags.map(\.utf8)))
            self.data.append(event.data.bytes)
            var metadata = JSONWriter(capacity: 64)
            metadata.stringMap(event.metadata)
            self.metadata.append(metadata.bytes)
            self.timestamps.append(String(PostgresEventLog.microseconds(event.timestamp)).utf8)
            self.count += 1
        }
    }

    /// The id literal of the events at `rows` (ascending positions in encoding order).
    func ids(at rows: [Int]) -> [UInt8] {
        self.ids.literal(rows: rows)
    }

    /// The insert's parameters: the first event's offset, then the id, type, key, tags, data, metadata and
    /// timestamp (microseconds since 1970) literals of the events at `rows` (ascending positions in encoding order).
    func parameters(firstOffset: Int64, rows: [Int]) -> [[UInt8]?] {
        let selected = rows.count == self.count ? nil : rows
        return [Array(String(firstOffset).utf8)]
            + [self.ids, self.types, self.keys, self.tags, self.data, self.metadata, self.timestamps].map { $0.literal(rows: selected) }
    }
}
