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
/// Every access takes one short lock and nothing awaits while holding it. A condition's scan takes the lock for a
/// chunk of events at a time, so reads and other appends never wait behind a long scan; the append then checks,
/// under the lock, the events appended since it scanned. The events may take at most `maxBytes` (their payloads and
/// a fixed cost per event); an append past it is refused as `storageFull`.
public final class MemoryEventLog: EventLog {
    private struct State {
        var events: [Event] = []
        var offsetsByID: [UUID: Int64] = [:]
        /// What the stored events count against `maxBytes`.
        var bytes = 0
    }

    /// Events a condition's scan examines per turn of the lock.
    static let scanChunk = 4096

    private let state = Mutex(State())
    public let maxBytes: Int

    /// - Parameter maxBytes: the most bytes the log's events may take (payload and per-event overhead).
    public init(maxBytes: Int = .max) {
        self.maxBytes = maxBytes
    }

    public func append(_ events: [NewEvent], condition: AppendCondition?, logger: Logger) async throws -> AppendResult {
        var scannedTo = 0
        var conditionMatched = false
        let filter = condition?.failIfEventsMatch
        let first = condition.map { Int(max(AppendPlanner.firstOffsetChecked(by: $0), 0)) } ?? 0
        if let filter {
            let head = self.state.withLock { $0.events.count }
            scannedTo = max(first, 0)
            while !conditionMatched, scannedTo < head {
                let end = min(scannedTo + Self.scanChunk, head)
                let chunk = scannedTo..<end
                conditionMatched = self.state.withLock { state in state.events[chunk].contains { filter.matches($0) } }
                scannedTo = end
            }
        }
        return try self.state.withLock { state throws(EventStoreError) in
            let head = state.events.count
            if let filter, !conditionMatched, max(first, scannedTo) < head {
                conditionMatched = state.events[max(first, scannedTo)..<head].contains { filter.matches($0) }
            }
            var storedOffsets: [UUID: Int64] = [:]
            for event in events {
                if let offset = state.offsetsByID[event.id] { storedOffsets[event.id] = offset }
            }
            switch try AppendPlanner.plan(
                events,
                condition: condition,
                head: Int64(head),
                storedOffsets: storedOffsets,
                conditionMatched: conditionMatched
            ) {
            case .alreadyStored(let result):
                return result
            case .write(let recorded, let result):
                let size = recorded.reduce(0) { $0 + $1.payloadSize + Event.inMemoryOverhead }
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

    public func read(from offset: Int64, limit: Int, maxBytes: Int, filter: EventFilter, logger: Logger) async throws -> EventPage {
        self.state.withLock { state in
            let head = Int64(state.events.count)
            guard offset < head else { return EventPage(events: [], nextOffset: max(offset, head), head: head) }
            var gatherer = EventPageGatherer(from: offset, limit: limit, maxBytes: maxBytes, filter: filter)
            var index = Int(offset)
            while index < state.events.count, gatherer.take(state.events[index]) {
                index += 1
            }
            return gatherer.page(head: head)
        }
    }

    public func head(logger: Logger) async throws -> Int64 {
        self.state.withLock { Int64($0.events.count) }
    }

    public func close(logger: Logger) async throws {}
}
