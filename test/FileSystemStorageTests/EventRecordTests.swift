import EventJSON
import EventRecords
import EventStoreCore
import Foundation
import Testing

@testable import FileSystemStorage

@Suite struct EventRecordTests {
    static let events = [
        Event(
            id: UUID(),
            offset: 0,
            type: "OrderPlaced",
            key: nil,
            tags: [],
            data: RawJSON(validatedBytes: Array("null".utf8)),
            metadata: [:],
            timestamp: Date(timeIntervalSince1970: 1_795_000_000)
        ),
        Event(
            id: UUID(),
            offset: 9_007_199_254_740_993,
            type: "Ünïcode \"quoted\" \\ type\n",
            key: "key/é😀",
            tags: ["a", "b,c", "\u{1}"],
            data: RawJSON(validatedBytes: Array(#"{"nested":[1,2.5,{"s":"x,\"crc32c\":\"00000000\"}"}],"t":true}"#.utf8)),
            metadata: ["trace": "0af7", "ü": "\u{FFFD}"],
            timestamp: Date(timeIntervalSince1970: 1_795_000_000.123456)
        ),
    ]

    static func record(_ event: Event) -> [UInt8] {
        var writer = JSONWriter()
        EventRecord.encode(event, into: &writer)
        return writer.bytes
    }

    /// A record as `encode` would write it but with its fields in `order`, checksummed, without its newline.
    static func record(fields order: [(String, String)]) -> [UInt8] {
        let body = "{" + order.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",")
        let checksum = CRC32C.checksum(Array(body.utf8))
        return Array((body + #","crc32c":""# + String(format: "%08x", checksum) + "\"}").utf8)
    }

    static func decode(_ line: [UInt8]) throws -> Event {
        try line.withUnsafeBytes { bytes in
            #expect(EventRecord.isIntact(bytes))
            return try EventRecord.decode(bytes, header: try #require(EventRecord.header(bytes)))
        }
    }

    @Test(arguments: Self.events)
    func recordsDecodeToTheEventsTheyWereWrittenFrom(_ event: Event) throws {
        let line = Self.record(event)
        #expect(line.last == UInt8(ascii: "\n"))
        let body = Array(line.dropLast())
        #expect(try Self.decode(body) == event)
        // Records this version writes take the in-place path, not the general decoder.
        let header = try #require(body.withUnsafeBytes { EventRecord.header($0) })
        #expect(EventRecord.decodeInWrittenOrder(body, header: header) == event)
    }

    @Test func fieldsInAnotherOrderAreReadAllTheSame() throws {
        let id = UUID()
        let line = Self.record(fields: [
            ("offset", "5"), ("id", "\"\(id.uuidString.lowercased())\""), ("type", "\"A\""),
            ("data", #"{"x": [1, 2]}"#), ("metadata", #"{"m":"v"}"#), ("tags", #"["t"]"#), ("key", "\"k\""),
            ("timestamp", "\"2026-11-23T10:00:00.5Z\""),
        ])
        let event = try Self.decode(line)
        let header = try #require(line.withUnsafeBytes { EventRecord.header($0) })
        #expect(EventRecord.decodeInWrittenOrder(line, header: header) == nil)
        #expect(event.offset == 5)
        #expect(event.id == id)
        #expect(event.type == "A")
        #expect(event.key == "k")
        #expect(event.tags == ["t"])
        #expect(event.metadata == ["m": "v"])
        #expect(event.data == RawJSON(storedBytes: Array(#"{"x": [1, 2]}"#.utf8)), "stored bytes are served as they are")
        #expect(event.timestamp == Date(timeIntervalSince1970: 1_795_428_000.5))
    }

    @Test func aRecordThatIsNoEventIsRefused() {
        let id = UUID().uuidString.lowercased()
        for fields in [
            [("offset", "1"), ("id", "\"\(id)\""), ("data", "{}")],  // no type, no timestamp
            [("offset", "1"), ("id", "\"\(id)\""), ("timestamp", "\"2026-11-23T10:00:00Z\""), ("type", "7")],
            [("offset", "1"), ("id", "\"\(id)\""), ("timestamp", "\"2026-11-23T10:00:00Z\""), ("type", "\"A\""), ("tags", "[1]")],
        ] {
            #expect(throws: JSONParseError.self) { try Self.decode(Self.record(fields: fields)) }
        }
        // A record must start with its offset and id.
        let idFirst = Self.record(fields: [("id", "\"\(id)\""), ("offset", "1"), ("timestamp", "\"2026-11-23T10:00:00Z\""), ("type", "\"A\"")])
        #expect(idFirst.withUnsafeBytes { EventRecord.header($0) } == nil)
    }
}
