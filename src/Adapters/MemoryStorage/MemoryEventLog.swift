public import EventStoreCore
public import Logging
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A topic's log held in process memory: the fastest adapter, and volatile.
///
/// Appends and reads take a short lock; nothing awaits while holding it.
public final class MemoryEventLog: EventLog {
    private struct State {
        var events: [Event] = []
        var offsetsByID: [UUID: Int64] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    public func append(_ events: [NewEvent], condition: AppendCondition?, logger: Logger) async throws -> AppendResult {
        try self.state.withLock { state throws(EventStoreError) in
            let head = Int64(state.events.count)
            var storedOffsets: [UUID: Int64] = [:]
            for event in events {
                if let offset = state.offsetsByID[event.id] { storedOffsets[event.id] = offset }
            }
            var conditionMatched = false
            if let condition, let filter = condition.failIfEventsMatch {
                let first = AppendPlanner.firstOffsetChecked(by: condition)
                if first < head {
                    conditionMatched = state.events[Int(max(first, 0))...].contains { filter.matches($0) }
                }
            }
            switch try AppendPlanner.plan(events, condition: condition, head: head, storedOffsets: storedOffsets, conditionMatched: conditionMatched)
            {
            case .alreadyStored(let result):
                return result
            case .write(let recorded, let result):
                state.events.append(contentsOf: recorded)
                for event in recorded { state.offsetsByID[event.id] = event.offset }
                return result
            }
        }
    }

    public func read(from offset: Int64, limit: Int, filter: EventFilter, logger: Logger) async throws -> EventPage {
        self.state.withLock { state in
            let head = Int64(state.events.count)
            guard offset < head else { return EventPage(events: [], nextOffset: max(offset, head), head: head) }
            var page: [Event] = []
            page.reserveCapacity(min(limit, Int(head - offset)))
            var index = Int(offset)
            if filter.isEmpty {
                let end = min(state.events.count, index + limit)
                page.append(contentsOf: state.events[index..<end])
                index = end
            } else {
                while index < state.events.count, page.count < limit {
                    if filter.matches(state.events[index]) { page.append(state.events[index]) }
                    index += 1
                }
            }
            return EventPage(events: page, nextOffset: Int64(index), head: head)
        }
    }

    public func head(logger: Logger) async throws -> Int64 {
        self.state.withLock { Int64($0.events.count) }
    }

    public func close(logger: Logger) async throws {}
}
