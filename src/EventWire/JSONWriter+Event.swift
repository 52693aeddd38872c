public import EventJSON
public import EventStoreCore

/// The wire form of an event, shared by the REST API and webhook callbacks so both show events alike.
extension JSONWriter {
    /// `{"id", "topic", "offset", "type", "key", "tags", "data", "metadata", "timestamp"}`
    public mutating func event(_ event: Event, topic: TopicName) {
        self.raw("{")
        self.key("id")
        self.uuid(event.id)
        self.raw(",")
        self.key("topic")
        self.string(topic.rawValue)
        self.raw(",")
        self.key("offset")
        self.int(event.offset)
        self.raw(",")
        self.key("type")
        self.string(event.type)
        self.raw(",")
        self.key("key")
        self.optionalString(event.key)
        self.raw(",")
        self.key("tags")
        self.stringArray(event.tags)
        self.raw(",")
        self.key("data")
        self.raw(event.data.bytes)
        self.raw(",")
        self.key("metadata")
        self.stringMap(event.metadata)
        self.raw(",")
        self.key("timestamp")
        self.timestamp(event.timestamp)
        self.raw("}")
    }
}
