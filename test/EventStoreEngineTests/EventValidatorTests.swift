import EventStoreCore
import EventStoreEngine
import EventStoreTesting
import Testing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@Suite struct EventValidatorTests {
    let validator = EventValidator(
        limits: EventLimits(
            maxBatchSize: 3,
            maxTypeLength: 8,
            maxKeyLength: 8,
            maxTagLength: 4,
            maxTagsPerEvent: 2,
            maxMetadataEntries: 2,
            maxMetadataKeyLength: 4,
            maxMetadataValueLength: 6
        )
    )
    let now = Date(timeIntervalSince1970: 1_000)

    @Test func fixesIDsAndTimestamps() throws {
        let given = UUID()
        let events = try validator.prepare([EventDraft(id: given, type: "A"), EventDraft(type: "B")], condition: nil, timestamp: now)
        #expect(events[0].id == given)
        #expect(events[1].id != given)
        #expect(events.allSatisfy { $0.timestamp == now })
        #expect(!events[0].idWasGenerated, "a client's id is looked up for idempotency")
        #expect(events[1].idWasGenerated)
        #expect(events[1].id.uuidString.hasPrefix("0000000F-4240-7"), "generated ids start with the time (1,000,000 ms) and version 7")
    }

    @Test(arguments: [
        ([EventDraft](), EventStoreError.Code.invalidArgument, "at least one event"),
        (Array(repeating: EventDraft(type: "A"), count: 4), .limitExceeded, "at most 3 events"),
        ([EventDraft(type: "")], .invalidArgument, "type must not be empty"),
        ([EventDraft(type: "TooLongType")], .limitExceeded, "type is longer than 8 bytes"),
        ([EventDraft(type: "ÄÄÄÄÄ")], .limitExceeded, "type is longer than 8 bytes"),
        ([EventDraft(type: "A", key: "")], .invalidArgument, "key must not be empty"),
        ([EventDraft(type: "A", key: "123456789")], .limitExceeded, "key is longer"),
        ([EventDraft(type: "A", tags: ["a", "b", "c"])], .limitExceeded, "at most 2 tags"),
        ([EventDraft(type: "A", tags: ["abcde"])], .limitExceeded, "tags[0] is longer"),
        ([EventDraft(type: "A", tags: ["ok", ""])], .invalidArgument, "tags[1] must not be empty"),
        ([EventDraft(type: "A", metadata: ["a": "1", "b": "2", "c": "3"])], .limitExceeded, "at most 2 entries"),
        ([EventDraft(type: "A", metadata: ["long-key": "1"])], .limitExceeded, "metadata key is longer"),
        ([EventDraft(type: "A", metadata: ["k": "1234567"])], .limitExceeded, "metadata['k'] is longer"),
        ([EventDraft(type: "A"), EventDraft(type: "")], .invalidArgument, "events[1].type must not be empty"),
    ])
    func refusesInvalidBatches(_ drafts: [EventDraft], code: EventStoreError.Code, message: String) {
        let error = #expect(throws: EventStoreError.self) { try validator.prepare(drafts, condition: nil, timestamp: now) }
        #expect(error?.code == code)
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }

    @Test func refusesTheSameIDTwiceInABatch() {
        let id = UUID()
        let error = #expect(throws: EventStoreError.self) {
            try validator.prepare([EventDraft(id: id, type: "A"), EventDraft(id: id, type: "B")], condition: nil, timestamp: now)
        }
        #expect(error?.message.contains("more than once") == true)
    }

    @Test func refusesEmptyConditions() {
        expectError(.invalidArgument) { try validator.prepare([EventDraft(type: "A")], condition: AppendCondition(), timestamp: now) }
    }
}
