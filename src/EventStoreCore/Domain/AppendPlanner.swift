#if canImport(FoundationEssentials)
public import FoundationEssentials
#else
public import Foundation
#endif

/// The rules every adapter applies to an append, once it holds the topic's write serialisation.
///
/// An adapter gathers the facts (its head, which submitted ids it already stores, whether an event matches the
/// condition's filter) and lets the planner decide; the adapter then writes exactly what the plan says. Keeping
/// the rules here keeps the adapters small and their semantics identical.
///
/// The rules, in order:
/// 1. If every submitted event is already stored (by id), nothing is written and the original offsets are
///    returned, without checking the condition: that is what makes a retried conditional append safe.
/// 2. Otherwise the condition must hold against the stored events, or nothing is written.
/// 3. The events not yet stored get offsets `head, head + 1, ...` in submission order; duplicates keep theirs.
public enum AppendPlanner {
    /// What the adapter must do.
    public enum Plan: Sendable, Equatable {
        /// Store `events` (each with its offset) atomically, then answer `result`.
        case write(events: [Event], result: AppendResult)
        /// Store nothing; every event was there already. Answer `result`.
        case alreadyStored(AppendResult)
    }

    /// Decides an append.
    /// - Parameters:
    ///   - events: the batch, in submission order, with distinct ids.
    ///   - condition: the client's condition, if any.
    ///   - head: the offset the next stored event gets.
    ///   - storedOffsets: for each submitted id that the topic already stores, its offset.
    ///   - conditionMatched: whether a stored event matches `condition.failIfEventsMatch` after `condition.after`;
    ///     ignored when the condition has no filter.
    /// - Throws: `EventStoreError.conditionFailed` (with `head`) when the condition does not hold.
    public static func plan(
        _ events: [NewEvent],
        condition: AppendCondition?,
        head: Int64,
        storedOffsets: [UUID: Int64],
        conditionMatched: Bool
    ) throws(EventStoreError) -> Plan {
        if !storedOffsets.isEmpty, events.allSatisfy({ storedOffsets[$0.id] != nil }) {
            return .alreadyStored(AppendResult(entries: events.map { .init(id: $0.id, offset: storedOffsets[$0.id]!, duplicate: true) }))
        }
        if let condition {
            if let expected = condition.expectedNextOffset, expected != head {
                throw EventStoreError(.conditionFailed, "expected next offset \(expected), but the topic's head is \(head)", head: head)
            }
            if condition.failIfEventsMatch != nil, conditionMatched {
                let after = condition.after.map { " after offset \($0)" } ?? ""
                throw EventStoreError(.conditionFailed, "an event matching fail_if_events_match exists\(after)", head: head)
            }
        }
        var next = head
        var stored: [Event] = []
        stored.reserveCapacity(events.count)
        var entries: [AppendResult.Entry] = []
        entries.reserveCapacity(events.count)
        for event in events {
            if let offset = storedOffsets[event.id] {
                entries.append(.init(id: event.id, offset: offset, duplicate: true))
            } else {
                stored.append(event.recorded(at: next))
                entries.append(.init(id: event.id, offset: next, duplicate: false))
                next += 1
            }
        }
        return .write(events: stored, result: AppendResult(entries: entries))
    }

    /// The lowest offset a stored event must have to count against `condition`'s filter. `after` is the client's
    /// number: at `Int64.max` no event can come after it, and this answers `Int64.max`, which no stored event
    /// reaches either (never an overflow).
    public static func firstOffsetChecked(by condition: AppendCondition) -> Int64 {
        let after = condition.after ?? -1
        return after == .max ? .max : after + 1
    }
}
