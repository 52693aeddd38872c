import EventStoreCore
import EventStoreTesting
import Foundation
import NIOPosix
import Testing

@testable import FileSystemStorage

@Suite("fs read-only snapshots (eventstore-replay's view)")
struct FileSystemSnapshotTests {
    func snapshot(_ directory: String, segmentBytes: Int64 = 64 << 20) async throws -> FileSystemSnapshot {
        try await FileSystemSnapshot.open(
            directory: directory,
            topic: "t",
            options: .init(segmentBytes: segmentBytes, indexInterval: 1024),
            threadPool: .singleton,
            logger: quiet
        )
    }

    @Test func aSnapshotReadsUpToTheDurableHeadWhileTheWriterHoldsTheTopic() async throws {
        let directory = temporaryDirectory()
        let log = try await openLog(directory, segmentBytes: 4096)
        for index in 0..<40 { _ = try await log.append([event("E\(index)")], condition: nil, logger: quiet) }
        let first = try await self.snapshot(directory, segmentBytes: 4096)
        #expect(try await first.head(logger: quiet) == 40)
        #expect(try await readAllEvents(first, pageSize: 7).map(\.type) == (0..<40).map { "E\($0)" })
        // The writer goes on: the snapshot keeps its head; a new one sees the new head.
        for index in 40..<50 { _ = try await log.append([event("E\(index)")], condition: nil, logger: quiet) }
        #expect(try await readAllEvents(first, pageSize: 7).count == 40)
        let second = try await self.snapshot(directory, segmentBytes: 4096)
        #expect(try await readAllEvents(second, pageSize: 7).map(\.offset) == Array(0..<50))
        await expectError(.storageUnavailable) { _ = try await second.append([event("X")], condition: nil, logger: quiet) }
        try await log.close(logger: quiet)
    }

    @Test func recordsPastTheDurableHeadAreNeverRead() async throws {
        let directory = temporaryDirectory()
        let log = try await openLog(directory)
        for index in 0..<5 { _ = try await log.append([event("E\(index)")], condition: nil, logger: quiet) }
        // A record written but not (yet) made durable, and a torn one after it: the snapshot stops at the head.
        let stray = try String(contentsOfFile: segmentFile(directory), encoding: .utf8).split(separator: "\n").last!
        let file = try FileHandle(forUpdating: URL(fileURLWithPath: segmentFile(directory)))
        try file.seekToEnd()
        try file.write(contentsOf: Data((stray + "\n" + stray.prefix(30)).utf8))
        try file.close()
        let snapshot = try await self.snapshot(directory)
        #expect(try await readAllEvents(snapshot, pageSize: 7).map(\.type) == ["E0", "E1", "E2", "E3", "E4"])
        #expect(try String(contentsOfFile: segmentFile(directory), encoding: .utf8).hasSuffix(String(stray.prefix(30))), "nothing was repaired")
        try await log.close(logger: quiet)
    }

    @Test func aDurableHeadPastTheIntactRecordsIsCorruption() async throws {
        let directory = temporaryDirectory()
        let log = try await openLog(directory)
        for index in 0..<5 { _ = try await log.append([event("E\(index)")], condition: nil, logger: quiet) }
        try await log.close(logger: quiet)
        try Data(Array(String(repeating: "0", count: 19).utf8) + Array("9\n".utf8)).write(to: URL(fileURLWithPath: directory + "/durable-head"))
        await expectError(.storageCorrupted) { _ = try await self.snapshot(directory) }
        try Data("garbage".utf8).write(to: URL(fileURLWithPath: directory + "/durable-head"))
        await expectError(.storageCorrupted) { _ = try await self.snapshot(directory) }
    }

    @Test func withoutADurableHeadFileOnlyATopicNoServerHoldsIsRead() async throws {
        let directory = temporaryDirectory()
        let log = try await openLog(directory)
        for index in 0..<3 { _ = try await log.append([event("E\(index)")], condition: nil, logger: quiet) }
        try FileManager.default.removeItem(atPath: directory + "/durable-head")
        await expectError(.storageUnavailable) { _ = try await self.snapshot(directory) }
        try await log.close(logger: quiet)
        #expect(try await readAllEvents(try await self.snapshot(directory), pageSize: 7).count == 3)
        // Reopened by a writer, the file is back.
        let again = try await openLog(directory)
        #expect(FileManager.default.fileExists(atPath: directory + "/durable-head"))
        try await again.close(logger: quiet)
    }

    @Test func aMissingTopicIsUnavailable() async throws {
        await expectError(.storageUnavailable) { _ = try await self.snapshot(temporaryDirectory()) }
    }
}
