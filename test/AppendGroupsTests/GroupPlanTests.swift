import AppendGroups
import EventStoreCore
import EventStoreTesting
import Foundation
import Testing

@Suite("Planning a group of appends")
struct GroupPlanTests {
    struct StorageDown: Error {}

    static func event(_ id: UUID = UUID(), type: String = "Placed") -> NewEvent {
        NewEvent(id: id, type: type, timestamp: Date(timeIntervalSince1970: 0))
    }

    @Test func eachAppendIsNumberedAfterTheOnesBeforeIt() throws {
        let plan = GroupPlan(
            [([Self.event(), Self.event()], nil), ([Self.event()], nil)],
            head: 10,
            storedOffset: { _ in nil },
            storedEventMatches: { _, _ in Issue.record("no condition to check"); return false }
        )
        #expect(plan.written.map(\.offset) == [10, 11, 12])
        #expect(plan.writtenPositions == [0, 1, 2])
        #expect(plan.nextHead == 13)
        #expect(try plan.answers.map { try $0.get().entries.map(\.offset) } == [[10, 11], [12]])
    }

    @Test func idsStoredOrWrittenEarlierInTheGroupAreDuplicates() throws {
        let (stored, first) = (UUID(), UUID())
        let plan = GroupPlan(
            [
                ([Self.event(first)], nil),
                // Partly new: the new one is written, the others answer their offsets.
                ([Self.event(first), Self.event(stored), Self.event()], nil),
                // Wholly stored: nothing written, and its condition is not checked.
                ([Self.event(stored)], AppendCondition(expectedNextOffset: 0)),
            ],
            head: 5,
            storedOffset: { $0 == stored ? 2 : nil },
            storedEventMatches: { _, _ in false }
        )
        #expect(plan.written.map(\.offset) == [5, 6])
        #expect(plan.writtenPositions == [0, 3])
        let answers = try plan.answers.map { try $0.get().entries }
        #expect(answers[1].map(\.offset) == [5, 2, 6])
        #expect(answers[1].map(\.duplicate) == [true, true, false])
        #expect(answers[2].map(\.offset) == [2])
    }

    @Test func conditionsSeeTheAppendsBeforeThemInTheGroup() throws {
        let plan = GroupPlan(
            [
                ([Self.event(type: "Placed")], AppendCondition(expectedNextOffset: 7)),
                // The head moved to 8 with the append before it.
                ([Self.event()], AppendCondition(expectedNextOffset: 7)),
                ([Self.event()], AppendCondition(expectedNextOffset: 8)),
                // A Placed event was written after offset 6 earlier in the group.
                ([Self.event()], AppendCondition(failIfEventsMatch: EventFilter(types: ["Placed"]), after: 6)),
            ],
            head: 7,
            storedOffset: { _ in nil },
            storedEventMatches: { _, _ in false }
        )
        #expect(plan.written.map(\.offset) == [7, 8])
        #expect((try? plan.answers[0].get()) != nil)
        #expect(plan.answers[1].failure?.code == .conditionFailed)
        #expect(plan.answers[1].failure?.head == 8)
        #expect((try? plan.answers[2].get()) != nil)
        #expect(plan.answers[3].failure?.code == .conditionFailed)
    }

    @Test func storedEventsAreAskedAboutFromTheConditionsFirstOffsetOnly() throws {
        var asked: [Int64] = []
        let filter = EventFilter(types: ["Cancelled"])
        let plan = GroupPlan(
            [
                ([Self.event()], AppendCondition(failIfEventsMatch: filter, after: 3)),
                ([Self.event()], AppendCondition(failIfEventsMatch: filter)),
                // Nothing stored comes after the head: no question.
                ([Self.event()], AppendCondition(failIfEventsMatch: filter, after: 40)),
                ([Self.event()], AppendCondition(failIfEventsMatch: filter, after: .max)),
            ],
            head: 20,
            storedOffset: { _ in nil },
            storedEventMatches: { asked.append($1); return $1 == 0 }
        )
        #expect(asked == [4, 0])
        #expect((try? plan.answers[0].get()) != nil)
        #expect(plan.answers[1].failure?.code == .conditionFailed)
        #expect(plan.written.map(\.offset) == [20, 21, 22])
    }

    @Test func aStorageErrorCanFailOnlyItsAppend() throws {
        let plan = try GroupPlan(
            [([Self.event()], nil), ([Self.event()], AppendCondition(failIfEventsMatch: EventFilter(types: ["X"]))), ([Self.event()], nil)],
            head: 3,
            storedOffset: { _ in nil },
            storedEventMatches: { _, _ in throw StorageDown() },
            errors: .append
        )
        #expect(plan.answers[1].failure?.code == .storageUnavailable)
        #expect(plan.written.map(\.offset) == [3, 4], "the others are planned")
        #expect(try plan.answers[2].get().entries[0].offset == 4)
    }

    @Test func aStorageErrorFailsTheWholeGroup() {
        #expect(throws: StorageDown.self) {
            try GroupPlan(
                [([Self.event()], nil), ([Self.event()], AppendCondition(failIfEventsMatch: EventFilter(types: ["X"])))],
                head: 3,
                storedOffset: { _ in nil },
                storedEventMatches: { _, _ in throw StorageDown() }
            )
        }
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
