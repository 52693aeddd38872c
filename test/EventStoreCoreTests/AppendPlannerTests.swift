import EventStoreCore
import EventStoreTesting
import Testing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@Suite struct AppendPlannerTests {
    let a = NewEvent(id: UUID(), type: "A", timestamp: Date())
    let b = NewEvent(id: UUID(), type: "B", timestamp: Date())

    @Test func assignsOffsetsFromTheHead() throws {
        let plan = try AppendPlanner.plan([a, b], condition: nil, head: 7, storedOffsets: [:], conditionMatched: false)
        guard case .write(let events, let result) = plan else {
            Issue.record("expected a write")
            return
        }
        #expect(events.map(\.offset) == [7, 8])
        #expect(result.entries.map(\.offset) == [7, 8])
        #expect(result.firstOffset == 7 && result.lastOffset == 8)
    }

    @Test func allDuplicatesWriteNothingAndSkipTheCondition() throws {
        let plan = try AppendPlanner.plan(
            [a, b],
            condition: AppendCondition(expectedNextOffset: 0),
            head: 9,
            storedOffsets: [a.id: 3, b.id: 4],
            conditionMatched: true
        )
        #expect(
            plan == .alreadyStored(AppendResult(entries: [.init(id: a.id, offset: 3, duplicate: true), .init(id: b.id, offset: 4, duplicate: true)]))
        )
    }

    @Test func partialDuplicatesStoreOnlyTheNewEvents() throws {
        let plan = try AppendPlanner.plan([a, b], condition: nil, head: 5, storedOffsets: [a.id: 2], conditionMatched: false)
        guard case .write(let events, let result) = plan else {
            Issue.record("expected a write")
            return
        }
        #expect(events.map(\.id) == [b.id])
        #expect(events.map(\.offset) == [5])
        #expect(result.entries.map(\.offset) == [2, 5])
        #expect(result.entries.map(\.duplicate) == [true, false])
    }

    @Test func failedConditionsReportTheHead() {
        let stale = #expect(throws: EventStoreError.self) {
            try AppendPlanner.plan([a], condition: AppendCondition(expectedNextOffset: 3), head: 4, storedOffsets: [:], conditionMatched: false)
        }
        #expect(stale?.code == .conditionFailed)
        #expect(stale?.head == 4)
        let matched = #expect(throws: EventStoreError.self) {
            try AppendPlanner.plan(
                [a],
                condition: AppendCondition(failIfEventsMatch: EventFilter(types: ["A"]), after: 1),
                head: 4,
                storedOffsets: [:],
                conditionMatched: true
            )
        }
        #expect(matched?.code == .conditionFailed)
    }

    @Test func conditionsMustSaySomething() {
        expectError(.invalidArgument) { try AppendCondition().validate() }
        expectError(.invalidArgument) { try AppendCondition(after: 3).validate() }
        expectError(.invalidArgument) { try AppendCondition(expectedNextOffset: -1).validate() }
        #expect(throws: Never.self) { try AppendCondition(failIfEventsMatch: EventFilter(tags: ["x"]), after: -1).validate() }
        #expect(AppendPlanner.firstOffsetChecked(by: AppendCondition(failIfEventsMatch: .all)) == 0)
        #expect(AppendPlanner.firstOffsetChecked(by: AppendCondition(failIfEventsMatch: .all, after: 41)) == 42)
    }

    @Test func filtersMatchTypesKeysAndAllTags() {
        let filter = EventFilter(types: ["A", "B"], keys: ["k"], tags: ["x", "y"])
        #expect(filter.matches(type: "A", key: "k", tags: ["y", "x", "z"]))
        #expect(!filter.matches(type: "C", key: "k", tags: ["x", "y"]))
        #expect(!filter.matches(type: "A", key: nil, tags: ["x", "y"]))
        #expect(!filter.matches(type: "A", key: "k", tags: ["x"]))
        #expect(EventFilter.all.matches(type: "anything", key: nil, tags: []))
    }
}
