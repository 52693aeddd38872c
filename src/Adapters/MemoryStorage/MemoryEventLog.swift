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
/// Appends are serialised by their own lock; reads take the state's lock only to copy out their page. A
/// condition's scan runs on a snapshot of the events, outside the state's lock, so reads never wait behind it.
/// The events' payloads may take at most `maxBytes`; an append past it is refused as `storageFull`.
public final class MemoryEventLog: EventLog {
    private struct State {
        var events: [Event] = []
        var offsetsByID: [UUID: Int64] = [:]
        /// The sum of the stored events' `payloadSize`s.
        var bytes = 0
    }

    private let state = Mutex(State())
    /// Held by one append at a time, from its look at the events to its write.
    private let appending = Mutex(())
    public let maxBytes: Int

    /// - Parameter maxBytes: the most bytes of payload the log holds.
    public init(maxBytes: Int = .max) {
        self.maxBytes = maxBytes
    }

    public func append(_ events: [NewEvent], condition: AppendCondition?, logger: Logger) async throws -> AppendResult {
        try self.appending.withLock { _ throws(EventStoreError) in
            // Appends are serialised here, so the head and the stored ids cannot change before this append writes.
            let (head, storedOffsets) = self.state.withLock { state in
                (Int64(state.events.count), events.reduce(into: [UUID: Int64]()) { found, event in found[event.id] = state.offsetsByID[event.id] })
            }
            var conditionMatched = false
            if let condition, let filter = condition.failIfEventsMatch {
                let first = AppendPlanner.firstOffsetChecked(by: condition)
                if first < head {
                    conditionMatched = self.anyEvent(from: Int(max(first, 0)), to: Int(head), matches: filter)
                }
            }
            switch try AppendPlanner.plan(events, condition: condition, head: head, storedOffsets: storedOffsets, conditionMatched: conditionMatched)
            {
            case .alreadyStored(let result):
                return result
            case .write(let recorded, let result):
                let size = recorded.reduce(0) { $0 + $1.payloadSize }
                return try self.state.withLock { state throws(EventStoreError) in
                    guard size <= self.maxBytes - state.bytes else {
                        throw EventStoreError(
                            .storageFull,
                            "the memory topic holds \(state.bytes) bytes of events and may hold \(self.maxBytes); \(size) more do not fit"
                        )
                    }
                    state.events.append(contentsOf: recorded)
                    state.bytes += size
                    for event in recorded { state.offsetsByID[event.id] = event.offset }
                    return result
                }
            }
        }
    }

    /// Scans a snapshot of the events (a reference, not a copy), outside the state's lock; the snapshot is released
    /// before the caller appends, so the array is never copied.
    private func anyEvent(from start: Int, to end: Int, matches filter: EventFilter) -> Bool {
        let snapshot = self.state.withLock { $0.events }
        return snapshot[start..<end].contains { filter.matches($0) }
    }

    public func read(from offset: Int64, limit: Int, maxBytes: Int, filter: EventFilter, logger: Logger) async throws -> EventPage {
        self.state.withLock { state in
            let head = Int64(state.events.count)
            guard offset < head else { return EventPage(events: [], nextOffset: max(offset, head), head: head) }
            var page: [Event] = []
            page.reserveCapacity(min(limit, Int(head - offset)))
            var bytes = 0
            var index = Int(offset)
            while index < state.events.count, page.count < limit {
                let event = state.events[index]
                if filter.isEmpty || filter.matches(event) {
                    let size = event.payloadSize
                    if !page.isEmpty, size > maxBytes - bytes { break }
                    bytes += size
                    page.append(event)
                }
                index += 1
            }
            return EventPage(events: page, nextOffset: Int64(index), head: head)
        }
    }

    public func head(logger: Logger) async throws -> Int64 {
        self.state.withLock { Int64($0.events.count) }
    }

    public func close(logger: Logger) async throws {}
}
