import EventJSON
import EventStoreCore

extension JSONWriter {
    /// A callback's body: `{"subscription_id", "topic", "events": [...], "next_offset"}`. `next_offset` is where a
    /// client subscribing again should start to miss nothing after this batch.
    /// The events come from `cache`, which renders those it does not hold.
    mutating func callback(_ callback: Callback, cache: RenderedEventCache) {
        self.raw("{")
        self.key("subscription_id")
        self.string(callback.subscriptionID.description)
        self.raw(",")
        self.key("topic")
        self.string(callback.topic.rawValue)
        self.raw(",")
        self.key("events")
        self.raw("[")
        cache.write(callback.events, topic: callback.topic, into: &self)
        self.raw("],")
        self.key("next_offset")
        self.int(callback.nextOffset)
        self.raw("}")
    }
}
