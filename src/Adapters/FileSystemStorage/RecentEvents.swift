import EventStoreCore
import Synchronization

/// The events a log wrote last, kept in memory so that readers near the head (projections, subscribers, event
/// streams, long polls) are answered without reading, checking and decoding the segments again, and without a trip
/// to the thread pool. A contiguous run of offsets ending at the last write, bounded by bytes (each event counts its
/// payload and a fixed share for its fields); older offsets are read from the segments. A read gathers its page
/// under the lock the writer takes to add a write's events: bounded by the page's limit and the bytes kept.
final class RecentEvents: Sendable {
    /// How many dropped events may wait in front of the kept ones before they are let go in one move.
    static let droppedInFront = 64

    private struct Run {
        /// The kept events are `events[start...]`; the ones before `start` are let go in bulk (at most
        /// ``droppedInFront`` of them, or half the array), not one by one.
        var events: [Event] = []
        var start = 0
        var bytes = 0

        /// The offsets kept.
        var offsets: ClosedRange<Int64>? {
            guard self.start < self.events.count, let last = self.events.last else { return nil }
            return self.events[self.start].offset...last.offset
        }
    }

    private let run = Mutex(Run())
    private let maxBytes: Int

    /// The offsets kept; nil when none are.
    var offsets: ClosedRange<Int64>? { self.run.withLock { $0.offsets } }

    /// - Parameter maxBytes: how many bytes of events are kept; 0 keeps none.
    init(maxBytes: Int) {
        self.maxBytes = maxBytes
    }

    /// Keeps the events a write made durable (the offsets right after the last ones kept), dropping the oldest past
    /// the bound. Call it before the new head is published, so a reader that sees the head finds its events here.
    func append(_ written: [Event]) {
        guard self.maxBytes > 0, let firstWritten = written.first else { return }
        self.run.withLock { run in
            if let last = run.events.last, last.offset + 1 != firstWritten.offset {
                run = Run()  // not contiguous (cannot happen with one writer): start again from this write
            }
            for event in written {
                run.events.append(event)
                run.bytes += Self.size(of: event)
            }
            while run.bytes > self.maxBytes, run.start < run.events.count {
                run.bytes -= Self.size(of: run.events[run.start])
                run.start += 1
            }
            if run.start >= Self.droppedInFront || run.start > run.events.count / 2 {
                run.events.removeFirst(run.start)
                run.start = 0
            }
        }
    }

    /// The page from `offset` (below `head`) the segments would give, or nil when `offset` is not kept.
    func read(from offset: Int64, head: Int64, limit: Int, maxBytes: Int, filter: EventFilter, maxExamined: Int) -> EventPage? {
        self.run.withLock { run -> EventPage? in
            guard let kept = run.offsets, kept.contains(offset) else { return nil }
            var gatherer = EventPageGatherer(from: offset, limit: limit, maxBytes: maxBytes, filter: filter, maxExamined: maxExamined)
            var index = run.start + Int(offset - kept.lowerBound)
            while index < run.events.count, run.events[index].offset < head, gatherer.take(run.events[index]) {
                index += 1
            }
            return gatherer.page(head: head)
        }
    }

    private static func size(of event: Event) -> Int {
        event.payloadSize + Event.inMemoryOverhead
    }
}
