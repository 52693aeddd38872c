import AppendGroups
import EventStoreCore
import EventStoreTesting
import Foundation
import Synchronization
import Testing

@Suite("The append queue")
struct AppendQueueTests {
    static let event = NewEvent(id: UUID(), type: "Placed", timestamp: Date(timeIntervalSince1970: 0))

    /// Answers every append of every group with its position in the group, and counts the groups.
    static func write(_ queue: AppendQueue, groups: borrowing Mutex<[Int]>) {
        while let group = queue.nextGroup() {
            groups.withLock { $0.append(group.count) }
            for (index, append) in group.enumerated() {
                append.answer(.success(AppendResult(entries: [.init(id: append.events[0].id, offset: Int64(index), duplicate: false)])))
            }
        }
    }

    @Test func aFullQueueRefusesAtOnceAndTheWriterTakesEveryWaitingAppendAsOneGroup() async throws {
        let queue = AppendQueue(topic: "orders", maxDepth: 3)
        let started = Count()
        let appends = (0..<3).map { _ in
            Task { try await queue.append([Self.event], condition: nil) { started.value.add(1, ordering: .relaxed) } }
        }
        try await eventually("three appends wait") { queue.depth == 3 }
        #expect(started.value.load(ordering: .relaxed) == 1, "one writer is started")
        let refused = await expectError(.overloaded) { try await queue.append([Self.event], condition: nil) { Issue.record("no second writer") } }
        #expect(refused?.message.contains("3 appends") == true)
        #expect(queue.depth == 3, "the refused append was not queued")

        let groups = Mutex<[Int]>([])
        Self.write(queue, groups: groups)
        let offsets = try await appends.asyncMap { try await $0.value.entries[0].offset }
        #expect(offsets.sorted() == [0, 1, 2])
        #expect(groups.withLock { $0 } == [3])
        #expect(queue.depth == 0)
    }

    @Test func closingWaitsForTheQueuedAppendsAndRefusesLaterOnes() async throws {
        let queue = AppendQueue(topic: "orders", maxDepth: 10)
        let queued = Task { try await queue.append([Self.event], condition: nil) {} }
        try await eventually("the append waits") { queue.depth == 1 }
        let finished = Count()
        let closed = Task {
            await queue.close()
            finished.value.add(1, ordering: .relaxed)
        }
        try await eventually("close refuses new appends") { !queue.isAccepting }
        await expectError(.storageUnavailable) { try await queue.append([Self.event], condition: nil) {} }
        #expect(finished.value.load(ordering: .relaxed) == 0, "close waits for the queued append")
        Self.write(queue, groups: Mutex([]))
        await closed.value
        #expect(try await queued.value.entries.count == 1, "the append queued before close was written")
    }

    @Test func aRefusedLogAnswersLaterAppendsWithItsReason() async throws {
        let queue = AppendQueue(topic: "orders", maxDepth: 10)
        queue.refuse("topic 'orders' failed to write and needs a restart")
        let error = await expectError(.storageUnavailable) { try await queue.append([Self.event], condition: nil) {} }
        #expect(error?.message == "topic 'orders' failed to write and needs a restart")
        await queue.close()
    }
}

/// A count shared with tasks.
final class Count: Sendable {
    let value = Atomic(0)
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
