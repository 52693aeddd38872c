import EventJSON
import EventStoreCore
import EventWire
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The JSON of recently sent events, so subscribers of one topic share each event's rendering instead of each
/// rendering it again. Bounded by bytes; the oldest entries go first.
final class RenderedEventCache: Sendable {
    private struct Key: Hashable {
        var topic: TopicName
        var offset: Int64
    }

    /// Events by topic, then offset, so a batch hashes its topic's name once.
    private struct Entry {
        /// Guards against a topic deleted and created again: its offsets hold other events.
        var id: UUID
        var bytes: [UInt8]
    }

    private struct State {
        var entries: [TopicName: [Int64: Entry]] = [:]
        /// Insertion order, for eviction; `head` is the oldest live index.
        var order: [Key] = []
        var head = 0
        var bytes = 0
    }

    private let state = Mutex(State())
    private let capacityBytes: Int

    init(capacityBytes: Int) {
        self.capacityBytes = capacityBytes
    }

    /// Writes `events` as a JSON array's elements (comma-separated), rendering only those not cached.
    func write(_ events: [Event], topic: TopicName, into writer: inout JSONWriter) {
        let cached = self.state.withLock { state in
            let entries = state.entries[topic] ?? [:]
            return events.map { event in entries[event.offset].flatMap { $0.id == event.id ? $0.bytes : nil } }
        }
        var rendered: [(Key, Entry)] = []
        for (index, event) in events.enumerated() {
            if index > 0 { writer.raw(",") }
            if let bytes = cached[index] {
                writer.raw(bytes)
            } else {
                var single = JSONWriter(capacity: 256 + event.data.bytes.count)
                single.event(event, topic: topic)
                writer.raw(single.bytes)
                rendered.append((Key(topic: topic, offset: event.offset), Entry(id: event.id, bytes: single.bytes)))
            }
        }
        guard !rendered.isEmpty else { return }
        self.state.withLock { state in
            for (key, entry) in rendered where entry.bytes.count <= self.capacityBytes {
                if let old = state.entries[key.topic, default: [:]].updateValue(entry, forKey: key.offset) {
                    state.bytes -= old.bytes.count
                } else {
                    state.order.append(key)
                }
                state.bytes += entry.bytes.count
            }
            while state.bytes > self.capacityBytes, state.head < state.order.count {
                let oldest = state.order[state.head]
                state.head += 1
                if let evicted = state.entries[oldest.topic]?.removeValue(forKey: oldest.offset) { state.bytes -= evicted.bytes.count }
                if state.entries[oldest.topic]?.isEmpty == true { state.entries[oldest.topic] = nil }
            }
            if state.head > 4096, state.head * 2 > state.order.count {
                state.order.removeFirst(state.head)
                state.head = 0
            }
        }
    }
}
