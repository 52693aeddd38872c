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
/// rendering it again.
///
/// Events are kept in blocks of consecutive offsets, laid out in the order they were first rendered, so a batch of
/// events that were rendered one after the other (what every unfiltered subscriber sends) is copied as one run of
/// bytes per block rather than event by event. Bounded by bytes; the oldest blocks go first.
final class RenderedEventCache: Sendable {
    /// Offsets per block.
    static let blockSize: Int64 = 1024
    /// Events whose JSON is larger than this are rendered for each callback, not kept.
    static let largestKeptEvent = 64 << 10

    private struct BlockKey: Hashable {
        var topic: TopicName
        var index: Int64
    }

    private struct State {
        var blocks: [BlockKey: Block] = [:]
        /// Creation order, for eviction; `head` is the oldest live index.
        var order: [BlockKey] = []
        var head = 0
        var bytes = 0
    }

    private let state = Mutex(State())
    private let capacityBytes: Int

    init(capacityBytes: Int) {
        self.capacityBytes = capacityBytes
    }

    /// Writes `events` (in offset order) as a JSON array's elements, comma-separated, rendering only those not kept.
    func write(_ events: [Event], topic: TopicName, into writer: inout JSONWriter) {
        var start = 0
        while start < events.count {
            let index = events[start].offset / Self.blockSize
            var end = start + 1
            while end < events.count, events[end].offset / Self.blockSize == index { end += 1 }
            if start > 0 { writer.raw(",") }
            let block = self.block(BlockKey(topic: topic, index: index))
            self.keep(events[start..<end], topic: topic, in: block)
            block.write(events[start..<end], topic: topic, into: &writer)
            start = end
        }
    }

    /// Renders the events `block` lacks, outside its lock, and adds them.
    private func keep(_ events: ArraySlice<Event>, topic: TopicName, in block: Block) {
        let missing = block.missing(events)
        guard !missing.isEmpty else { return }
        let rendered = missing.compactMap { event -> (Event, [UInt8])? in
            var single = JSONWriter(capacity: 256 + event.data.bytes.count)
            single.event(event, topic: topic)
            return single.bytes.count <= Self.largestKeptEvent ? (event, single.bytes) : nil
        }
        let added = block.add(rendered)
        guard added > 0 else { return }
        self.state.withLock { state in
            state.bytes += added
            while state.bytes > self.capacityBytes, state.head < state.order.count - 1 {
                let oldest = state.order[state.head]
                state.head += 1
                if let evicted = state.blocks.removeValue(forKey: oldest) { state.bytes -= evicted.evict() }
            }
            if state.head > 4096, state.head * 2 > state.order.count {
                state.order.removeFirst(state.head)
                state.head = 0
            }
        }
    }

    private func block(_ key: BlockKey) -> Block {
        self.state.withLock { state in
            if let block = state.blocks[key] { return block }
            let block = Block(firstOffset: key.index * Self.blockSize)
            state.blocks[key] = block
            state.order.append(key)
            return block
        }
    }
}

/// The rendered events of one block of offsets: their JSON one after the other, each followed by a comma, and
/// where each offset's JSON is.
private final class Block: Sendable {
    private struct Slot {
        var start: Int32 = 0
        var end: Int32 = 0
        /// Nil while the offset has no JSON here; checked on every read, because a topic deleted and created again
        /// holds other events at the same offsets.
        var id: UUID?
    }

    private struct State {
        var bytes: [UInt8] = []
        var slots = [Slot](repeating: Slot(), count: Int(RenderedEventCache.blockSize))
        /// Set once the cache dropped the block: readers still holding it finish with it, and it no longer counts.
        var evicted = false
    }

    private let firstOffset: Int64
    private let state = Mutex(State())

    init(firstOffset: Int64) {
        self.firstOffset = firstOffset
    }

    /// The events this block does not hold.
    func missing(_ events: ArraySlice<Event>) -> [Event] {
        self.state.withLock { state in
            events.filter { state.slots[Int($0.offset - self.firstOffset)].id != $0.id }
        }
    }

    /// Adds rendered events; those another caller added meanwhile are skipped.
    /// - Returns: the bytes added, to be counted against the cache's capacity (none once evicted).
    func add(_ rendered: [(Event, [UInt8])]) -> Int {
        self.state.withLock { state in
            let before = state.bytes.count
            for (event, bytes) in rendered {
                let slot = Int(event.offset - self.firstOffset)
                guard state.slots[slot].id != event.id else { continue }
                let start = state.bytes.count
                state.bytes.append(contentsOf: bytes)
                state.slots[slot] = Slot(start: Int32(start), end: Int32(state.bytes.count), id: event.id)
                state.bytes.append(UInt8(ascii: ","))
            }
            return state.evicted ? 0 : state.bytes.count - before
        }
    }

    /// Writes `events` comma-separated: runs of events that lie one after the other here are copied at once, and an
    /// event not kept (too large) is rendered in place.
    func write(_ events: ArraySlice<Event>, topic: TopicName, into writer: inout JSONWriter) {
        self.state.withLock { state in
            var run: Range<Int>? = nil
            var first = true
            func flush(_ writer: inout JSONWriter) {
                guard let range = run else { return }
                if !first { writer.raw(",") }
                writer.raw(state.bytes[range])
                first = false
                run = nil
            }
            for event in events {
                let slot = state.slots[Int(event.offset - self.firstOffset)]
                guard slot.id == event.id else {
                    flush(&writer)
                    if !first { writer.raw(",") }
                    writer.event(event, topic: topic)
                    first = false
                    continue
                }
                if let current = run, current.upperBound + 1 == Int(slot.start) {
                    run = current.lowerBound..<Int(slot.end)
                } else {
                    flush(&writer)
                    run = Int(slot.start)..<Int(slot.end)
                }
            }
            flush(&writer)
        }
    }

    /// Marks the block dropped from the cache.
    /// - Returns: the bytes it held.
    func evict() -> Int {
        self.state.withLock { state in
            state.evicted = true
            return state.bytes.count
        }
    }
}
