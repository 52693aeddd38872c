import EventJSON
import EventStoreCore
import EventWire

extension JSONWriter {
    /// A callback's body: `{"subscription_id", "topic", "events": [...], "next_offset"}`. `next_offset` is where a
    /// client subscribing again should start to miss nothing after this batch.
    mutating func callback(_ callback: Callback) {
        self.raw("{")
        self.key("subscription_id")
        self.string(callback.subscriptionID.description)
        self.raw(",")
        self.key("topic")
        self.string(callback.topic.rawValue)
        self.raw(",")
        self.key("events")
        self.raw("[")
        for (index, event) in callback.events.enumerated() {
            if index > 0 { self.raw(",") }
            self.event(event, topic: callback.topic)
        }
        self.raw("],")
        self.key("next_offset")
        self.int(callback.nextOffset)
        self.raw("}")
    }
}
