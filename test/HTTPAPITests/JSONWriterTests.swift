import EventJSON
import EventStoreCore
import EventWire
import Foundation
import NIOCore
import Testing

@testable import HTTPAPI

@Suite struct JSONWriterTests {
    func written(_ body: (inout JSONWriter) -> Void) -> String {
        var writer = JSONWriter()
        body(&writer)
        return String(buffer: writer.buffer)
    }

    @Test func escapesStrings() {
        #expect(written { $0.string("plain") } == #""plain""#)
        #expect(written { $0.string("q\"b\\n\nt\tc\u{01}é😀") } == #""q\"b\\n\nt\tc\u0001é😀""#)
    }

    @Test func writesLowercaseUUIDs() {
        let id = UUID(uuidString: "6F1C3A3E-8F4E-4C55-9B5E-2A0D8F4C1E11")!
        #expect(written { $0.uuid(id) } == #""6f1c3a3e-8f4e-4c55-9b5e-2a0d8f4c1e11""#)
    }

    @Test(arguments: [
        (0.0, "1970-01-01T00:00:00.000000Z"),
        (1_795_000_000.123456, "2026-11-18T11:06:40.123456Z"),
        (951_782_400.5, "2000-02-29T00:00:00.500000Z"),
        (-1.0, "1969-12-31T23:59:59.000000Z"),
        (4_102_444_799.999999, "2099-12-31T23:59:59.999999Z"),
    ])
    func writesRFC3339Timestamps(_ seconds: Double, _ expected: String) {
        #expect(written { $0.timestamp(Date(timeIntervalSince1970: seconds)) } == "\"\(expected)\"")
    }

    @Test func writesEventsWithRawData() throws {
        let event = Event(
            id: UUID(uuidString: "6F1C3A3E-8F4E-4C55-9B5E-2A0D8F4C1E11")!,
            offset: 3,
            type: "T",
            key: nil,
            tags: ["a"],
            data: RawJSON(storedBytes: Array(#"{"x": [1, 2]}"#.utf8)),
            metadata: ["b": "2", "a": "1"],
            timestamp: Date(timeIntervalSince1970: 0)
        )
        let json = written { $0.event(event, topic: try! TopicName("orders")) }
        #expect(
            json
                == #"{"id":"6f1c3a3e-8f4e-4c55-9b5e-2a0d8f4c1e11","topic":"orders","offset":3,"type":"T","key":null,"tags":["a"],"data":{"x": [1, 2]},"metadata":{"a":"1","b":"2"},"timestamp":"1970-01-01T00:00:00.000000Z"}"#
        )
        #expect(throws: Never.self) { try JSONSerialization.jsonObject(with: Data(json.utf8)) }
    }
}
