import EventJSON
import EventStoreCore
import EventWire
import Foundation
import Testing

@testable import WebhookCallbacks

@Suite struct RenderedEventCacheTests {
    let topic = try! TopicName("orders")

    func event(_ offset: Int64, id: UUID = UUID(), type: String = "Placed") -> Event {
        Event(
            id: id,
            offset: offset,
            type: type,
            key: "k",
            tags: ["t"],
            data: RawJSON(validatedBytes: Array(#"{"n": \#(offset)}"#.utf8)),
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
}
