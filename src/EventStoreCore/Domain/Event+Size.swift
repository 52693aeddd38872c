extension Event {
    /// The bytes of what a client gave the event: `data`, `type`, `key`, tags and metadata. Page and callback byte
    /// budgets count this; the fixed fields (id, offset, timestamp) are left out.
    public var payloadSize: Int {
        self.data.bytes.count + self.type.utf8.count + (self.key?.utf8.count ?? 0) + self.tags.reduce(0) { $0 + $1.utf8.count }
            + self.metadata.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
    }

    /// What an event held in memory costs beyond its payload: its id, offset and timestamp, the objects that hold
    /// them, and their bookkeeping. Memory topics and the events an fs topic keeps count it alike.
    public static let inMemoryOverhead = 160
}
