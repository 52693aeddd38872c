import EventStoreCore
import Testing

@testable import HTTPAPI

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@Suite struct PublishRequestDecoderTests {
    func decode(_ json: String) throws -> PublishRequestDecoder.Request {
        try PublishRequestDecoder.decode(Array(json.utf8))
    }

    @Test func decodesASingleEvent() throws {
        let request = try decode(
            #"{"type":"OrderPlaced","id":"6f1c3a3e-8f4e-4c55-9b5e-2a0d8f4c1e11","key":"o-1","tags":["c:1"],"data":{"total": 12.50},"metadata":{"m":"v"}}"#
        )
        #expect(request.condition == nil)
        let event = try #require(request.events.first)
        #expect(event.type == "OrderPlaced")
        #expect(event.id == UUID(uuidString: "6f1c3a3e-8f4e-4c55-9b5e-2a0d8f4c1e11"))
        #expect(event.key == "o-1")
        #expect(event.tags == ["c:1"])
        #expect(event.data.bytes == Array(#"{"total":12.50}"#.utf8), "data keeps the client's bytes, less the whitespace between tokens")
        #expect(event.metadata == ["m": "v"])
    }

    @Test func decodesABatchWithBothConditionKinds() throws {
        let request = try decode(
            #"{"events":[{"type":"A"},{"type":"B","key":null}],"condition":{"expected_next_offset":4,"fail_if_events_match":{"types":["A"],"keys":["k"],"tags":["t"]},"after":3}}"#
        )
        #expect(request.events.map(\.type) == ["A", "B"])
        #expect(request.events.map(\.data) == [.null, .null])
        #expect(
            request.condition
                == AppendCondition(expectedNextOffset: 4, failIfEventsMatch: EventFilter(types: ["A"], keys: ["k"], tags: ["t"]), after: 3)
        )
    }

    @Test(arguments: [
        ("[]", "must be a JSON object"),
        ("\"text\"", "must be a JSON object"),
        ("{}", "type is required"),
        (#"{"type": 5}"#, "type must be a string"),
        (#"{"type": null}"#, "type must be a string"),
        (#"{"type": "A", "tags": "t"}"#, "tags must be an array of strings"),
        (#"{"type": "A", "tags": [1]}"#, "tags[0] must be a string"),
        (#"{"type": "A", "metadata": {"k": 1}}"#, "metadata['k'] must be a string"),
        (#"{"type": "A", "metadata": []}"#, "metadata must be an object"),
        (#"{"type": "A", "id": "not-a-uuid"}"#, "id must be a UUID"),
        (#"{"type": "A", "colour": "red"}"#, "unknown field 'colour'"),
        (#"{"type": "A", "type": "B"}"#, "duplicate field 'type'"),
        (#"{"events": {}}"#, "events must be an array"),
        (#"{"events": [5]}"#, "events[0] must be an event object"),
        (#"{"events": [{"type": "A"}, {}]}"#, "events[1].type is required"),
        (#"{"events": [{"type": "A"}], "type": "B"}"#, "holds only 'events' and 'condition'"),
        (#"{"type": "A", "condition": {"expected_next_offset": 1}}"#, "'condition' needs a batch body"),
        (#"{"events": [{"type": "A"}], "condition": {"expected": 1}}"#, "unknown field 'condition.expected'"),
        (#"{"events": [{"type": "A"}], "condition": {"expected_next_offset": "1"}}"#, "must be an integer"),
        (#"{"events": [{"type": "A"}], "condition": {"expected_next_offset": 1.5}}"#, "expected an integer"),
        (
            #"{"events": [{"type": "A"}], "condition": {"fail_if_events_match": {"type": ["A"]}}}"#,
            "unknown field 'condition.fail_if_events_match.type'"
        ),
        (#"{"type": "A", "data": {"a": }}"#, "invalid JSON at byte"),
        (#"{"type": "A"} trailing"#, "invalid JSON at byte"),
    ])
    func refusesMalformedBodies(_ json: String, _ message: String) {
        let error = #expect(throws: EventStoreError.self) { try decode(json) }
        #expect(error?.code == .invalidArgument)
        #expect(error?.message.contains(message) == true, "got: \(error?.message ?? "nothing")")
    }
}
