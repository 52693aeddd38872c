public import EventStoreCore

#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// A group of appends planned in queue order against one head, by ``AppendPlanner``'s rules: each append sees the
/// stored events and those of the appends before it in the group, for its condition and for idempotency by id. The
/// adapter then stores ``written`` atomically, at ``head``, and answers each append with its result in ``answers``.
public struct GroupPlan: Sendable {
    /// The events to store, numbered from the group's head on, in order.
    public private(set) var written: [Event] = []
    /// For each event in ``written``, its position among all the events of the group's appends, one after the other.
    public private(set) var writtenPositions: [Int] = []
    /// One answer per append, in order: its result, or why it was refused (`conditionFailed`, say).
    public private(set) var answers: [Result<AppendResult, EventStoreError>] = []
    /// The head the plan starts at.
    public let head: Int64
    /// The head once ``written`` is stored.
    public private(set) var nextHead: Int64

    /// What a storage error while checking a condition fails.
    public enum ErrorScope: Sendable {
        /// The whole group: the error is thrown (a database transaction it aborted can store nothing more).
        case group
        /// Only the append whose condition was being checked (`storageUnavailable`); the others are planned.
        case append
    }

    /// Plans `appends` in order.
    /// - Parameters:
    ///   - head: the offset the next stored event gets.
    ///   - storedOffset: the offset of an event the topic stores with this id, if any.
    ///   - storedEventMatches: whether a stored event at the offset given or later (below `head`) matches the filter.
    ///   - errors: what an error of `storedEventMatches` fails.
    /// - Throws: what `storedEventMatches` throws, when `errors` is `.group`.
    public init(
        _ appends: [(events: [NewEvent], condition: AppendCondition?)],
        head: Int64,
        storedOffset: (UUID) -> Int64?,
        storedEventMatches: (EventFilter, Int64) throws -> Bool,
        errors: ErrorScope = .group
    ) rethrows {
        self.head = head
        self.nextHead = head
        var groupOffsets: [UUID: Int64] = [:]
        var firstPosition = 0
        for (events, condition) in appends {
            defer { firstPosition += events.count }
            var storedOffsets: [UUID: Int64] = [:]
            for event in events {
                if let offset = groupOffsets[event.id] ?? storedOffset(event.id) { storedOffsets[event.id] = offset }
            }
            var matched = false
            if let condition, let filter = condition.failIfEventsMatch {
                let first = AppendPlanner.firstOffsetChecked(by: condition)
                matched = self.written.contains { $0.offset >= first && filter.matches($0) }
                if !matched, first < head {
                    // Every stored event from `first` on counts, however far back.
                    do {
                        matched = try storedEventMatches(filter, first)
                    } catch {
                        guard errors == .append else { throw error }
                        self.answers.append(.failure(
                            error as? EventStoreError ?? EventStoreError(.storageUnavailable, "checking the condition failed; nothing was written: \(error)")
                        ))
                        continue
                    }
                }
            }
            do {
                switch try AppendPlanner.plan(events, condition: condition, head: self.nextHead, storedOffsets: storedOffsets, conditionMatched: matched) {
                case .alreadyStored(let result):
                    self.answers.append(.success(result))
                case .write(let recorded, let result):
                    var next = recorded.startIndex
                    for (index, event) in events.enumerated() where next < recorded.endIndex && recorded[next].id == event.id {
                        self.writtenPositions.append(firstPosition + index)
                        groupOffsets[event.id] = recorded[next].offset
                        next += 1
                    }
                    self.written += recorded
                    self.nextHead += Int64(recorded.count)
                    self.answers.append(.success(result))
                }
            } catch {
                self.answers.append(.failure(error))
            }
        }
    }
}
