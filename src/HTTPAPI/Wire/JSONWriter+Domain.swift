import EventJSON
import EventStoreCore
import EventWire

/// The wire forms of the domain's values. Field names are snake_case throughout the API.
extension JSONWriter {
    /// `{"events": [...], "next_offset", "head"}`
    mutating func eventPage(_ page: EventPage, topic: TopicName) {
        self.raw("{")
        self.key("events")
        self.raw("[")
        for (index, event) in page.events.enumerated() {
            if index > 0 { self.raw(",") }
            self.event(event, topic: topic)
        }
        self.raw("],")
        self.key("next_offset")
        self.int(page.nextOffset)
        self.raw(",")
        self.key("head")
        self.int(page.head)
        self.raw("}")
    }

    /// `{"first_offset", "last_offset", "events": [{"id", "offset", "duplicate"}]}`
    mutating func appendResult(_ result: AppendResult) {
        self.raw("{")
        self.key("first_offset")
        self.int(result.firstOffset)
        self.raw(",")
        self.key("last_offset")
        self.int(result.lastOffset)
        self.raw(",")
        self.key("events")
        self.raw("[")
        for (index, entry) in result.entries.enumerated() {
            if index > 0 { self.raw(",") }
            self.raw("{")
            self.key("id")
            self.uuid(entry.id)
            self.raw(",")
            self.key("offset")
            self.int(entry.offset)
            self.raw(",")
            self.key("duplicate")
            self.bool(entry.duplicate)
            self.raw("}")
        }
        self.raw("]}")
    }

    /// The redacted configuration plus state, head and event count.
    mutating func topic(_ topic: TopicInfo) {
        let configuration = topic.configuration
        self.raw("{")
        self.key("name")
        self.string(configuration.name.rawValue)
        self.raw(",")
        self.key("adapter")
        self.string(configuration.adapter.rawValue)
        if let connection = configuration.connection {
            self.raw(",")
            self.key("connection")
            self.string(connection)
        }
        if let schema = configuration.schema {
            self.raw(",")
            self.key("schema")
            self.string(schema)
        }
        if let table = configuration.table {
            self.raw(",")
            self.key("table")
            self.string(table)
        }
        self.raw(",")
        self.key("options")
        self.stringMap(configuration.options)
        self.raw(",")
        self.key("projections")
        self.raw("[")
        for (index, projection) in configuration.projections.enumerated() {
            if index > 0 { self.raw(",") }
            self.projectionDefinition(projection)
        }
        self.raw("],")
        self.topicState(topic.state)
        self.raw(",")
        self.key("head")
        self.optionalInt(topic.head)
        self.raw(",")
        self.key("event_count")
        self.optionalInt(topic.eventCount)
        self.raw("}")
    }

    /// `{"status", "version", "uptime_seconds", "topics": [{"name", "adapter", "state", "reason"?, "projections": [{"name", "state"}]}]}`
    /// - Parameter shown: the topics to list (those the caller may see); the status covers every topic.
    mutating func health(_ health: ServiceHealth, showing shown: [ServiceHealth.TopicHealth], version: String, uptimeSeconds: Int64) {
        self.raw("{")
        self.key("status")
        self.string(health.isHealthy ? "ok" : "degraded")
        self.raw(",")
        self.key("version")
        self.string(version)
        self.raw(",")
        self.key("uptime_seconds")
        self.int(uptimeSeconds)
        self.raw(",")
        self.key("topics")
        self.raw("[")
        for (index, topic) in shown.enumerated() {
            if index > 0 { self.raw(",") }
            self.raw("{")
            self.key("name")
            self.string(topic.name.rawValue)
            self.raw(",")
            self.key("adapter")
            self.string(topic.adapter.rawValue)
            self.raw(",")
            self.topicState(topic.state)
            self.raw(",")
            self.key("projections")
            self.raw("[")
            for (index, projection) in topic.projections.enumerated() {
                if index > 0 { self.raw(",") }
                self.raw("{")
                self.key("name")
                self.string(projection.name.rawValue)
                self.raw(",")
                self.key("state")
                self.string(projection.state.rawValue)
                self.raw("}")
            }
            self.raw("]}")
        }
        self.raw("]}")
    }

    /// `"state": "ready"`, or `"state": "failed"` / `"unavailable"` with `"reason": "..."`.
    mutating func topicState(_ state: TopicState) {
        self.key("state")
        self.string(state.description)
        if let reason = state.reason {
            self.raw(",")
            self.key("reason")
            self.string(reason)
        }
    }
}
