public import EventJSON
public import EventStoreCore

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// One event as a line of JSON, the record fs segment files and blob frames hold: a JSON object, readable with ordinary JSON tools, whose last field is
/// the CRC-32C of everything before it:
///
/// ```
/// {"offset":7,"id":"…","timestamp":"…","type":"…","key":null,"tags":[],"metadata":{},"data":{…},"crc32c":"1a2b3c4d"}\n
/// ```
///
/// `offset` and `id` come first, so recovery reads them without parsing the whole record.
public enum EventRecord {
    /// The fixed-size end of every record: `,"crc32c":"xxxxxxxx"}\n`.
    public static let trailerLength = 22
    private static let trailerPrefix = Array(#","crc32c":""#.utf8)

    /// Appends the record of `event` to `output`.
    public static func encode(_ event: Event, into writer: inout JSONWriter) {
        let start = writer.bytes.count
        writer.raw("{")
        writer.key("offset")
        writer.int(event.offset)
        writer.raw(",")
        writer.key("id")
        writer.uuid(event.id)
        writer.raw(",")
        writer.key("timestamp")
        writer.timestamp(event.timestamp)
        writer.raw(",")
        writer.key("type")
        writer.string(event.type)
        writer.raw(",")
        writer.key("key")
        writer.optionalString(event.key)
        writer.raw(",")
        writer.key("tags")
        writer.stringArray(event.tags)
        writer.raw(",")
        writer.key("metadata")
        writer.stringMap(event.metadata)
        writer.raw(",")
        writer.key("data")
        writer.raw(event.data.bytes)
        let checksum = writer.bytes.withUnsafeBytes { CRC32C.update(0, UnsafeRawBufferPointer(rebasing: $0[start...])) }
        writer.raw(#","crc32c":""#)
        writer.hexDigits(checksum)
        writer.raw("\"}\n")
    }

    /// Whether `line` (without its newline) is framed as a record and its checksum matches.
    public static func isIntact(_ line: UnsafeRawBufferPointer) -> Bool {
        let bodyLength = line.count - (Self.trailerLength - 1)
        guard bodyLength > 2, line[0] == UInt8(ascii: "{"), line[line.count - 1] == UInt8(ascii: "}"),
            line[line.count - 2] == UInt8(ascii: "\"")
        else { return false }
        guard UnsafeRawBufferPointer(rebasing: line[bodyLength..<bodyLength + Self.trailerPrefix.count]).elementsEqual(Self.trailerPrefix)
        else { return false }
        var stored: UInt32 = 0
        for index in (bodyLength + Self.trailerPrefix.count)..<(line.count - 2) {
            let byte = line[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            default: return false
            }
            stored = stored << 4 | UInt32(digit)
        }
        return CRC32C.update(0, UnsafeRawBufferPointer(rebasing: line[0..<bodyLength])) == stored
    }

    private static let offsetPrefix = Array(#"{"offset":"#.utf8)
    private static let idPrefix = Array(#","id":""#.utf8)

    /// What starts every record: its offset and id, and the index just after the id's closing quote.
    public struct Header: Sendable {
        public var offset: Int64
        public var id: UUID
        public var end: Int
    }

    /// The offset and id at the start of an intact record, read without a JSON parser.
    public static func header(_ line: UnsafeRawBufferPointer) -> Header? {
        guard line.count > Self.offsetPrefix.count + 50, line.starts(with: Self.offsetPrefix) else { return nil }
        var index = Self.offsetPrefix.count
        var offset: Int64 = 0
        while index < line.count, line[index] >= UInt8(ascii: "0"), line[index] <= UInt8(ascii: "9") {
            offset = offset * 10 + Int64(line[index] - UInt8(ascii: "0"))
            index += 1
        }
        guard line.count > index + Self.idPrefix.count + 36,
            UnsafeRawBufferPointer(rebasing: line[index..<index + Self.idPrefix.count]).elementsEqual(Self.idPrefix),
            let id = UUID(canonicalUTF8: UnsafeRawBufferPointer(rebasing: line[(index + Self.idPrefix.count)...].prefix(36)))
        else { return nil }
        return Header(offset: offset, id: id, end: index + Self.idPrefix.count + 37)
    }

    /// Decodes an intact record (one whose checksum matched) whose `header` has been read.
    /// - Throws: `JSONParseError` when the record is not an event record.
    public static func decode(_ line: UnsafeRawBufferPointer, header: Header) throws(JSONParseError) -> Event {
        let bytes = Array(line)
        if let event = Self.decodeInWrittenOrder(bytes, header: header) { return event }
        var reader = JSONReader(bytes)
        var timestamp: Date?
        var type: String?
        var key: String?
        var tags: [String] = []
        var metadata: [String: String] = [:]
        var data = RawJSON.null
        try reader.readObject { field, reader throws(JSONParseError) in
            switch field {
            case "timestamp": timestamp = RFC3339.parseUTC(try reader.readString())
            case "type": type = try reader.readString()
            case "key": key = try reader.readNullIfPresent() ? nil : try reader.readString()
            case "tags": tags = try Self.readTags(&reader)
            case "metadata": metadata = try Self.readMetadata(&reader)
            case "data": data = RawJSON(storedBytes: Array(try reader.readRawValue()))
            default: try reader.skipValue()
            }
        }
        guard let timestamp, let type else {
            throw JSONParseError(message: "record lacks a timestamp or type", offset: 0, isSyntaxError: false)
        }
        return Event(
            id: header.id,
            offset: header.offset,
            type: type,
            key: key,
            tags: tags,
            data: data,
            metadata: metadata,
            timestamp: timestamp
        )
    }

    /// Reads a record whose fields follow the id in the order `encode` writes them, each in place; `data`, the last
    /// field, is taken as it stands up to the checksum, which has vouched for it. Nil for any other layout, which
    /// the general decoder then reads.
    public static func decodeInWrittenOrder(_ bytes: [UInt8], header: Header) -> Event? {
        let dataEnd = bytes.count - (Self.trailerLength - 1)
        var reader = JSONReader(bytes, at: header.end)
        do {
            guard reader.consumeLiteral(#","timestamp":"#), let timestamp = RFC3339.parseUTC(try reader.readString()),
                reader.consumeLiteral(#","type":"#)
            else { return nil }
            let type = try reader.readString()
            guard reader.consumeLiteral(#","key":"#) else { return nil }
            let key = try reader.readNullIfPresent() ? nil : try reader.readString()
            guard reader.consumeLiteral(#","tags":"#) else { return nil }
            let tags = try Self.readTags(&reader)
            guard reader.consumeLiteral(#","metadata":"#) else { return nil }
            let metadata = try Self.readMetadata(&reader)
            guard reader.consumeLiteral(#","data":"#), reader.index < dataEnd else { return nil }
            let data = RawJSON(storedBytes: Array(bytes[reader.index..<dataEnd]))
            return Event(
                id: header.id,
                offset: header.offset,
                type: type,
                key: key,
                tags: tags,
                data: data,
                metadata: metadata,
                timestamp: timestamp
            )
        } catch {
            return nil
        }
    }

    private static func readTags(_ reader: inout JSONReader) throws(JSONParseError) -> [String] {
        var tags: [String] = []
        try reader.readArray { reader throws(JSONParseError) in tags.append(try reader.readString()) }
        return tags
    }

    private static func readMetadata(_ reader: inout JSONReader) throws(JSONParseError) -> [String: String] {
        var metadata: [String: String] = [:]
        try reader.readObject { name, reader throws(JSONParseError) in metadata[name] = try reader.readString() }
        return metadata
    }
}
