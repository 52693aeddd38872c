/// Gathers a page as a read goes through a topic's events in offset order: the filter, the byte budget (the first
/// matching event always fits), the limit and the bound on the events one read examines. The adapters that read
/// events one by one (memory topics, fs segments, the events an fs topic keeps in memory) share it, so their pages
/// follow the same rules.
public struct EventPageGatherer {
    private let limit: Int
    private let maxBytes: Int
    private let filter: EventFilter
    private let maxExamined: Int
    private var events: [Event] = []
    private var bytes = 0
    private var examined = 0
    /// One past the last event examined: the offset the next one must have.
    public private(set) var next: Int64

    /// - Parameter maxExamined: the most events one read examines, matching or not.
    public init(from offset: Int64, limit: Int, maxBytes: Int, filter: EventFilter, maxExamined: Int = .max) {
        self.next = offset
        self.limit = limit
        self.maxBytes = maxBytes
        self.filter = filter
        self.maxExamined = maxExamined
    }

    /// Examines the event at ``next``.
    /// - Returns: whether the page takes more; false once it is complete (an event that did not fit is not counted
    ///   as examined, so the next read starts with it).
    public mutating func take(_ event: Event) -> Bool {
        if self.filter.matches(event) {
            let size = event.payloadSize
            if !self.events.isEmpty, size > self.maxBytes - self.bytes { return false }
            self.bytes += size
            self.events.append(event)
        }
        self.examined += 1
        self.next = event.offset + 1
        return self.events.count < self.limit && self.examined < self.maxExamined
    }

    public func page(head: Int64) -> EventPage {
        EventPage(events: self.events, nextOffset: self.next, head: head)
    }
}
