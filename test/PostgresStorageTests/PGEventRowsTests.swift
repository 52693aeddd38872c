import EventStoreCore
import Testing

@testable import PostgresStorage

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The insert's array literals, encoded once per append group and cut to the events a plan writes.
@Suite struct PGEventRowsTests {
    static let events = [
        NewEvent(
            id: UUID(canonical: "0190f5a2-7c1e-7abc-8def-0123456789ab")!,
            type: "OrderPlaced",
            key: "order-\"1\"",
            tags: ["customer:42", "quote\"d", "back\\slash"],
            data: RawJSON(validatedBytes: Array(#"{"note":"say \"hi\"","path":"C:\\x"}"#.utf8)),
            metadata: ["trace": "t\"1"],
            timestamp: Date(timeIntervalSince1970: 1.5)
        ),
        NewEvent(id: UUID(canonical: "0190f5a2-7c1e-7abc-8def-0123456789ac")!, type: "Shipped", timestamp: Date(timeIntervalSince1970: 2)),
        NewEvent(
            id: UUID(canonical: "0190f5a2-7c1e-7abc-8def-0123456789ad")!,
            type: "Paid",
            key: "order-3",
            tags: ["x"],
            data: RawJSON(validatedBytes: Array("[1,2]".utf8)),
            timestamp: Date(timeIntervalSince1970: 3.000001)
        ),
    ]

    /// The literals the events at `rows` get when encoded on their own, element by element.
    static func expected(firstOffset: Int64, rows: [Int]) -> [[UInt8]?] {
        let events = rows.map { Self.events[$0] }
        return [
            Array(String(firstOffset).utf8),
            Array(("{" + events.map { $0.id.uuidString.lowercased() }.joined(separator: ",") + "}").utf8),
            PGArray.bytes(events.map(\.type.utf8)),
            PGArray.bytes(events.map { $0.key?.utf8 }),
            PGArray.bytes(events.map { PGArray.bytes($0.tags.map(\.utf8)) }),
            PGArray.bytes(events.map(\.data.bytes)),
            PGArray.bytes(events.map { $0.metadata.isEmpty ? Array("{}".utf8) : Array(#"{"trace":"t\"1"}"#.utf8) }),
            PGArray.bytes(events.map { String(PostgresEventLog.microseconds($0.timestamp)).utf8 }),
        ]
    }

    @Test(arguments: [[0, 1, 2], [0, 2], [1], [2], [1, 2]])
    func theLiteralsOfTheWrittenEventsMatchAnEncodingOfThoseEventsAlone(_ rows: [Int]) {
        let encoded = PGEventRows(Self.events)
        #expect(encoded.count == 3)
        #expect(encoded.parameters(firstOffset: 41, rows: rows) == Self.expected(firstOffset: 41, rows: rows))
    }

    @Test func timestampsAreMicrosecondsAndIdsLowercaseText() {
        let parameters = PGEventRows(Self.events).parameters(firstOffset: 0, rows: [0, 1, 2])
        #expect(
            parameters[1]
                == Array(#"{0190f5a2-7c1e-7abc-8def-0123456789ab,0190f5a2-7c1e-7abc-8def-0123456789ac,0190f5a2-7c1e-7abc-8def-0123456789ad}"#.utf8)
        )
        #expect(parameters[7] == Array(#"{"1500000","2000000","3000001"}"#.utf8))
        #expect(
            PGEventRows(Self.events).ids(at: [0, 2]) == Array(#"{0190f5a2-7c1e-7abc-8def-0123456789ab,0190f5a2-7c1e-7abc-8def-0123456789ad}"#.utf8)
        )
    }
}
