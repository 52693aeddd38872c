#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The ids of the most recent events with their offsets: the idempotency window of an fs topic.
///
/// Holds at most `capacity` ids; the oldest are forgotten first.
struct IDWindow {
    let capacity: Int
    private var offsets: [UUID: Int64] = [:]
    private var order: [UUID] = []
    private var oldest = 0

    /// - Parameters:
    ///   - capacity: the most ids remembered.
    ///   - expected: how many ids are about to be inserted, to size the storage once.
    init(capacity: Int, expected: Int = 0) {
        self.capacity = capacity
        let reserve = min(capacity, expected)
        if reserve > 0 {
            self.offsets.reserveCapacity(reserve)
            self.order.reserveCapacity(reserve)
        }
    }

    var count: Int { self.offsets.count }

    subscript(id: UUID) -> Int64? { self.offsets[id] }

    /// Remembers `id` at `offset`, forgetting the oldest id when full. Ids must be inserted in offset order.
    mutating func insert(_ id: UUID, at offset: Int64) {
        guard self.capacity > 0 else { return }
        if self.order.count < self.capacity {
            self.order.append(id)
        } else {
            self.offsets.removeValue(forKey: self.order[self.oldest])
            self.order[self.oldest] = id
            self.oldest = (self.oldest + 1) % self.capacity
        }
        self.offsets[id] = offset
    }
}
