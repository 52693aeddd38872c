import EventJSON
import EventStoreCore
import EventWire
import Foundation
import Testing

@testable import WebhookCallbacks

@Suite struct RenderedEventCacheTests {
    let topic = try! TopicName("orders")

    func event(_ offset: Int64, id: UUID = UUID(), type: String = "Placed", padding: Int = 0) -> Event {
        Event(
            id: id,
            offset: offset,
            type: type,
            key: "k",
            tags: ["t"],
            data: RawJSON(validatedBytes: Array(#"{"n": \#(offset), "p": "\#(String(repeating: "x", count: padding))"}"#.utf8)),
            metadata: ["m": "v"],
            timestamp: Date(timeIntervalSince1970: 1_795_000_000)
        )
    }

    func written(_ events: [Event], cache: RenderedEventCache, topic: TopicName? = nil) -> String {
        var writer = JSONWriter()
        cache.write(events, topic: topic ?? self.topic, into: &writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    func direct(_ events: [Event]) -> String {
        var writer = JSONWriter()
        for (index, event) in events.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.event(event, topic: self.topic)
        }
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    @Test func cachedAndFreshRenderingsAreIdentical() {
        let cache = RenderedEventCache(capacityBytes: 1 << 20)
        let events = (0..<5).map { self.event($0) }
        let first = written(Array(events[0..<3]), cache: cache)
        #expect(first == direct(Array(events[0..<3])))
        #expect(written(events, cache: cache) == direct(events), "three from the cache, two rendered")
    }

    @Test func anotherEventAtACachedOffsetIsRenderedAfresh() {
        let cache = RenderedEventCache(capacityBytes: 1 << 20)
        _ = written([event(0, type: "Old")], cache: cache)
        let replacement = event(0, type: "New")  // the topic was deleted and created again
        #expect(written([replacement], cache: cache) == direct([replacement]))
        let otherTopic = try! TopicName("other")
        #expect(written([replacement], cache: cache, topic: otherTopic).contains(#""topic":"other""#))
    }

    @Test func staysCorrectWhenItEvictsBeyondItsCapacity() {
        let cache = RenderedEventCache(capacityBytes: 2_000)  // a handful of events
        let events = (0..<10_000).map { self.event($0) }
        for batch in stride(from: 0, to: events.count, by: 100) {
            let slice = Array(events[batch..<batch + 100])
            #expect(written(slice, cache: cache) == direct(slice))
        }
        #expect(written(Array(events[0..<3]), cache: cache) == direct(Array(events[0..<3])))
    }

    @Test func batchesAcrossBlocksAndOutOfOrderRenderingsComeOutInTheBatchOrder() {
        let cache = RenderedEventCache(capacityBytes: 8 << 20)
        let events = (0..<3000).map { self.event(Int64($0)) }
        // Renderings arrive in another order than the later batches read them: later events first, then gaps filled.
        _ = written(Array(events[1500..<2100]), cache: cache)
        _ = written(stride(from: 0, to: 3000, by: 7).map { events[$0] }, cache: cache)
        #expect(written(events, cache: cache) == direct(events))
        let spanning = Array(events[1020..<1030])
        #expect(written(spanning, cache: cache) == direct(spanning), "a batch across a block boundary")
        let filtered = stride(from: 3, to: 3000, by: 5).map { events[$0] }
        #expect(written(filtered, cache: cache) == direct(filtered), "offsets with gaps, as a filtered subscription reads")
    }

    @Test func anEventTooLargeToKeepIsRenderedEachTime() {
        let cache = RenderedEventCache(capacityBytes: 8 << 20)
        let events = [event(0), event(1, padding: RenderedEventCache.largestKeptEvent), event(2)]
        #expect(written(events, cache: cache) == direct(events))
        #expect(written(events, cache: cache) == direct(events), "the small ones from the cache, the large one afresh")
        #expect(written([events[1]], cache: cache) == direct([events[1]]))
    }

    /// Subscribers render and read the same blocks at once: every batch comes out as if rendered alone.
    @Test func concurrentBatchesOverTheSameBlocksComeOutWhole() async {
        let cache = RenderedEventCache(capacityBytes: 256 << 10)  // small enough to evict while in use
        let events = (0..<4000).map { self.event(Int64($0)) }
        let mismatches = await withTaskGroup(of: Int.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var mismatches = 0
                    var start = worker * 37 % 500
                    while start < events.count {
                        let batch = Array(events[start..<min(events.count, start + 100 + worker * 13)])
                        if self.written(batch, cache: cache) != self.direct(batch) { mismatches += 1 }
                        start += 90 + worker * 7
                    }
                    return mismatches
                }
            }
            return await group.reduce(0, +)
        }
        #expect(mismatches == 0)
    }
}
