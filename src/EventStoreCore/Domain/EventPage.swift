/// One page of a read.
public struct EventPage: Sendable, Hashable {
    /// The matching events, in offset order.
    public var events: [Event]
    /// Where to continue reading: one past the last offset this read examined.
    public var nextOffset: Int64
    /// The topic's head: the offset the next appended event will get (the topic holds `0..<head`).
    public var head: Int64

    public init(events: [Event], nextOffset: Int64, head: Int64) {
        self.events = events
        self.nextOffset = nextOffset
        self.head = head
    }
}
