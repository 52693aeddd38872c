public import EventStoreCore
import Logging

/// Every event of `log` from `offset` to its head, read page by page (`pageSize` at a time).
public func readAllEvents(_ log: any EventLog, from offset: Int64 = 0, pageSize: Int = 1000) async throws -> [Event] {
    var events: [Event] = []
    var next = offset
    while true {
        let page = try await log.read(from: next, limit: pageSize, filter: .all, logger: quietLogger)
        events += page.events
        guard page.nextOffset < page.head else { return events }
        next = page.nextOffset
    }
}
