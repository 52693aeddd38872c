import EventRecords
import EventStoreCore
import EventStoreTesting
import Foundation
import Logging
import NIOPosix
import POSIXFiles
import Synchronization
import Testing

@testable import FileSystemStorage

let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

/// A new temporary directory path, removed when the test process exits.
func temporaryDirectory() -> String {
    TestScratch.path("fs")
}

func openLog(_ directory: String, segmentBytes: Int64 = 64 << 20, recentBytes: Int = 1 << 20) async throws -> FileSystemEventLog {
    try await FileSystemEventLog.open(
        directory: directory,
        topic: "t",
        options: .init(segmentBytes: segmentBytes, indexInterval: 1024, recentBytes: recentBytes),
        threadPool: .singleton,
        logger: quiet
    )
}

func event(_ type: String, id: UUID = UUID()) -> NewEvent {
    NewEvent(
        id: id,
        type: type,
        data: RawJSON(validatedBytes: Array(#"{"payload":"\#(String(repeating: "x", count: 200))"}"#.utf8)),
        timestamp: Date()
    )
}

func readAll(_ log: FileSystemEventLog, from: Int64 = 0) async throws -> [Event] {
    var events: [Event] = []
    var next = from
    while true {
        let page = try await log.read(from: next, limit: 1000, filter: .all, logger: quiet)
        events += page.events
        guard page.nextOffset < page.head else { return events }
        next = page.nextOffset
    }
}

func segmentFile(_ directory: String, _ first: Int64 = 0) -> String {
    "\(directory)/\(String(repeating: "0", count: 20 - String(first).count))\(first).jsonl"
}

@Suite("fs adapter")
struct FileSystemEventLogTests {
    @Test(arguments: EventLogConformance.Check.allCases)
    func conformance(_ check: EventLogConformance.Check) async throws {
        try await EventLogConformance {
            let directory = temporaryDirectory()
            return (try await openLog(directory), { try await openLog(directory) })
        }.run(check)
    }

    @Test(arguments: EventLogConformance.Check.allCases)
    func conformanceWithTinySegments(_ check: EventLogConformance.Check) async throws {
        try await EventLogConformance {
            let directory = temporaryDirectory()
            return (try await openLog(directory, segmentBytes: 4096), { try await openLog(directory, segmentBytes: 4096) })
        }.run(check)
    }

    /// Every read answered by the segments alone (no recent events kept in memory).
    @Test(arguments: EventLogConformance.Check.allCases)
    func conformanceReadingOnlyTheSegments(_ check: EventLogConformance.Check) async throws {
        try await EventLogConformance {
            let directory = temporaryDirectory()
            return (
                try await openLog(directory, segmentBytes: 4096, recentBytes: 0),
                { try await openLog(directory, segmentBytes: 4096, recentBytes: 0) }
            )
        }.run(check)
    }

    /// Reads near the head come from the events kept in memory, older ones from the segments: the pages are the same
    /// either way, event for event (timestamps included), for every start, limit, byte budget and filter.
    @Test func recentEventsAnswerAsTheSegmentsDo() async throws {
        let directory = temporaryDirectory()
        let log = try await FileSystemEventLog.open(
            directory: directory,
            topic: "t",
            options: .init(segmentBytes: 8192, indexInterval: 1024, maxScannedRecords: 7, recentBytes: 8 * 1024),
            threadPool: .singleton,
            logger: quiet
        )
        var generator = SystemRandomNumberGenerator()
        for index in 0..<150 {
            let batch = (0..<Int.random(in: 1...3, using: &generator)).map { part in
                var new = event(["A", "B", "C"][(index + part) % 3])
                new.key = "k\(index % 5)"
                new.tags = index % 4 == 0 ? ["even"] : []
                new.timestamp = Date(timeIntervalSince1970: 1_700_000_000 + Double(index) * 0.000_000_7)
                return new
            }
            _ = try await log.append(batch, condition: nil, logger: quiet)
        }
        let segments = log.segments.withLock { $0 }
        let head = try await log.head(logger: quiet)
        var reads: [(from: Int64, limit: Int, maxBytes: Int, filter: EventFilter, page: EventPage)] = []
        var fromMemory = 0
        for from in 0..<head {
            for filter in [EventFilter.all, EventFilter(types: ["B"]), EventFilter(keys: ["k2"]), EventFilter(tags: ["even"])] {
                let limit = Int.random(in: 1...40, using: &generator)
                let maxBytes = [Int.max, 500, 1][Int.random(in: 0...2, using: &generator)]
                let page = try await log.read(from: from, limit: limit, maxBytes: maxBytes, filter: filter, logger: quiet)
                reads.append((from, limit, maxBytes, filter, page))
            }
            if log.recent.offsets?.contains(from) == true { fromMemory += 1 }
        }
        // The same reads from the segments alone, off the cooperative pool (they are blocking file reads).
        let stored = try await blocking { [reads] in
            try reads.map { read in
                try log.files.read(segments: segments, from: read.from, limit: read.limit, maxBytes: read.maxBytes, filter: read.filter, maxExamined: 7)
            }
        }
        for (read, stored) in zip(reads, stored) {
            #expect(read.page == stored, "from \(read.from), limit \(read.limit), \(read.maxBytes) bytes, \(read.filter)")
        }
        // The kept events are a bounded run ending at the head.
        #expect(fromMemory > 10 && fromMemory < head / 2, "\(fromMemory) of \(head) offsets kept")
        #expect(log.recent.offsets?.upperBound == head - 1)
        try await log.close(logger: quiet)
    }

    /// An event larger than the bytes kept empties them (it is not kept either); reads go to the segments until the
    /// next write, which is kept alone.
    @Test func anEventLargerThanTheRecentBytesIsReadFromTheSegments() async throws {
        let log = try await openLog(temporaryDirectory(), recentBytes: 4096)
        _ = try await log.append([event("small"), event("small")], condition: nil, logger: quiet)
        #expect(log.recent.offsets == 0...1)
        var large = event("large")
        large.data = RawJSON(validatedBytes: Array(#"{"payload":"\#(String(repeating: "x", count: 8192))"}"#.utf8))
        _ = try await log.append([large], condition: nil, logger: quiet)
        #expect(log.recent.offsets == nil)
        #expect(try await readAll(log).map(\.type) == ["small", "small", "large"])
        _ = try await log.append([event("after")], condition: nil, logger: quiet)
        #expect(log.recent.offsets == 3...3)
        #expect(try await readAll(log, from: 2).map(\.type) == ["large", "after"])
        try await log.close(logger: quiet)
    }

    /// Readers near the head while a writer appends: every page holds the events the segments hold at those offsets,
    /// in order, and never passes the head it reports.
    @Test func pagesReadWhileAppendingHoldWhatTheSegmentsHold() async throws {
        let directory = temporaryDirectory()
        let log = try await openLog(directory, segmentBytes: 16 << 10, recentBytes: 16 << 10)
        let pages = try await withThrowingTaskGroup(of: [EventPage].self) { group in
            group.addTask {
                for index in 0..<300 { _ = try await log.append([event("E\(index % 7)")], condition: nil, logger: quiet) }
                return []
            }
            for _ in 0..<3 {
                group.addTask {
                    var pages: [EventPage] = []
                    while pages.last.map({ $0.head < 300 }) ?? true {
                        try Task.checkCancellation()  // the writer failed
                        let head = try await log.head(logger: quiet)
                        let from = max(0, head - Int64.random(in: 1...40))
                        pages.append(try await log.read(from: from, limit: 25, filter: .all, logger: quiet))
                        // A read from memory never suspends: pause, so the readers neither hog the pool nor pile up pages.
                        try await Task.sleep(for: .milliseconds(2))
                    }
                    return pages
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        try await log.close(logger: quiet)
        let stored = try await readAll(try await openLog(directory, segmentBytes: 16 << 10, recentBytes: 0))
        #expect(stored.count == 300)
        for page in pages where !page.events.isEmpty {
            let first = Int(page.events[0].offset)
            #expect(page.events == Array(stored[first..<(first + page.events.count)]))
            #expect(page.nextOffset == page.events.last!.offset + 1 && page.nextOffset <= page.head)
        }
        #expect(pages.count > 3)
    }

    @Test func recordsAreJSONLinesWithChecksums() async throws {
        let directory = temporaryDirectory()
        let log = try await openLog(directory)
        _ = try await log.append([event("A"), event("B")], condition: nil, logger: quiet)
        try await log.close(logger: quiet)
        let lines = try String(contentsOfFile: segmentFile(directory), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 2)
        for (offset, line) in lines.enumerated() {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["offset"] as? Int == offset)
            #expect((object["crc32c"] as? String)?.count == 8)
        }
    }

    @Test func aTornTailIsCutOffAndWholeRecordsKept() async throws {
        let directory = temporaryDirectory()
        let log = try await openLog(directory)
        for index in 0..<5 { _ = try await log.append([event("E\(index)")], condition: nil, logger: quiet) }
        try await log.close(logger: quiet)
        let file = try FileHandle(forUpdating: URL(fileURLWithPath: segmentFile(directory)))
        let size = try file.seekToEnd()
        try file.truncate(atOffset: size - 40)
        try file.close()

        let reopened = try await openLog(directory)
        let events = try await readAll(reopened)
        #expect(events.map(\.type) == ["E0", "E1", "E2", "E3"])
        let appended = try await reopened.append([event("E4-again")], condition: nil, logger: quiet)
        #expect(appended.entries.map(\.offset) == [4])
        #expect(try await readAll(reopened).map(\.offset) == [0, 1, 2, 3, 4])
    }

    @Test func trailingGarbageWithoutNewlineIsCutOff() async throws {
        let directory = temporaryDirectory()
        let log = try await openLog(directory)
        _ = try await log.append([event("A")], condition: nil, logger: quiet)
        try await log.close(logger: quiet)
        let file = try FileHandle(forWritingTo: URL(fileURLWithPath: segmentFile(directory)))
        try file.seekToEnd()
        try file.write(contentsOf: Data(#"{"offset":1,"id":"#.utf8))
        try file.close()
        let reopened = try await openLog(directory)
        #expect(try await reopened.head(logger: quiet) == 1)
    }

    @Test func aDamagedRecordBeforeIntactOnesFailsTheOpenAndChangesNothing() async throws {
        let directory = temporaryDirectory()
        let log = try await openLog(directory)
        for index in 0..<5 { _ = try await log.append([event("E\(index)")], condition: nil, logger: quiet) }
        try await log.close(logger: quiet)
        let path = segmentFile(directory)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let secondRecord = bytes.firstIndex(of: UInt8(ascii: "\n"))! + 60
        bytes[secondRecord] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: path))

        let error = await #expect(throws: EventStoreError.self) { try await openLog(directory) }
        #expect(error?.code == .storageCorrupted)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == bytes, "the damaged segment is left as it is")
    }

    @Test func segmentsRollAndReadsCrossThem() async throws {
        let directory = temporaryDirectory()
        let log = try await openLog(directory, segmentBytes: 4096)
        let firstID = UUID()
        _ = try await log.append([event("E0", id: firstID)], condition: nil, logger: quiet)
        for index in 1..<120 { _ = try await log.append([event("E\(index)")], condition: nil, logger: quiet) }
        let files = try FileManager.default.contentsOfDirectory(atPath: directory)
        let segments = files.filter { $0.hasSuffix(".jsonl") }
        #expect(segments.count > 5)
        #expect(files.filter { $0.hasSuffix(".index") }.count == segments.count - 1)
        #expect(files.filter { $0.hasSuffix(".ids") }.count == segments.count - 1)
        for from in [Int64(0), 7, 13, 14, 15, 59, 100, 119] {
            let page = try await log.read(from: from, limit: 20, filter: .all, logger: quiet)
            #expect(page.events.map(\.offset) == Array(from..<min(from + 20, 120)))
        }
        try await log.close(logger: quiet)

        // Without the index files, opening rebuilds them; ids of sealed segments still guard idempotency.
        for file in files where file.hasSuffix(".index") { try FileManager.default.removeItem(atPath: "\(directory)/\(file)") }
        let reopened = try await openLog(directory, segmentBytes: 4096)
        #expect(try await reopened.head(logger: quiet) == 120)
        #expect(try await readAll(reopened, from: 33).map(\.offset) == Array(33..<120))
        let repeated = try await reopened.append([event("E0", id: firstID)], condition: nil, logger: quiet)
        #expect(repeated.entries == [.init(id: firstID, offset: 0, duplicate: true)])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".index") }.count == segments.count - 1)
    }

    @Test func missingIDFilesAreRebuiltFromTheSegments() async throws {
        let directory = temporaryDirectory()
        let log = try await openLog(directory, segmentBytes: 4096)
        let firstID = UUID()
        _ = try await log.append([event("E0", id: firstID)], condition: nil, logger: quiet)
        for index in 1..<60 { _ = try await log.append([event("E\(index)")], condition: nil, logger: quiet) }
        try await log.close(logger: quiet)
        let idFiles = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".ids") }
        #expect(!idFiles.isEmpty)
        for file in idFiles { try FileManager.default.removeItem(atPath: "\(directory)/\(file)") }

        let reopened = try await openLog(directory, segmentBytes: 4096)
        let repeated = try await reopened.append([event("E0", id: firstID)], condition: nil, logger: quiet)
        #expect(repeated.entries == [.init(id: firstID, offset: 0, duplicate: true)])
    }

    /// Index and id files that do not fit their segments (entries out of order or past the end, a cut id file) are
    /// rebuilt from the segments and written again as they were; reads and idempotency are unaffected.
    @Test func inconsistentIndexAndIDFilesAreRebuilt() async throws {
        let directory = temporaryDirectory()
        let log = try await openLog(directory, segmentBytes: 4096)
        let firstID = UUID()
        _ = try await log.append([event("E0", id: firstID)], condition: nil, logger: quiet)
        for index in 1..<120 { _ = try await log.append([event("E\(index)")], condition: nil, logger: quiet) }
        try await log.close(logger: quiet)
        let sidecars = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".index") || $0.hasSuffix(".ids") }.sorted()
        #expect(sidecars.count > 8)
        var originals: [String: Data] = [:]
        for file in sidecars {
            let url = URL(fileURLWithPath: "\(directory)/\(file)")
            originals[file] = try Data(contentsOf: url)
            if file.hasSuffix(".index") {
                // The first entry kept (as a check of it alone would want), then entries that go backwards and past the end.
                var damaged = originals[file]!.prefix(16)
                for (offset, position) in [(Int64(9_999), Int64(1 << 40)), (3, 2)] {
                    withUnsafeBytes(of: offset.littleEndian) { damaged.append(contentsOf: $0) }
                    withUnsafeBytes(of: position.littleEndian) { damaged.append(contentsOf: $0) }
                }
                try damaged.write(to: url)
            } else {
                try originals[file]!.prefix(8).write(to: url)
            }
        }

        let reopened = try await openLog(directory, segmentBytes: 4096)
        #expect(try await reopened.head(logger: quiet) == 120)
        for from in [Int64(0), 13, 59, 100] {
            let page = try await reopened.read(from: from, limit: 20, filter: .all, logger: quiet)
            #expect(page.events.map(\.offset) == Array(from..<min(from + 20, 120)))
        }
        let repeated = try await reopened.append([event("E0", id: firstID)], condition: nil, logger: quiet)
        #expect(repeated.entries == [.init(id: firstID, offset: 0, duplicate: true)])
        try await reopened.close(logger: quiet)
        for file in sidecars {
            #expect(try Data(contentsOf: URL(fileURLWithPath: "\(directory)/\(file)")) == originals[file], "\(file) is written again as it was")
        }
    }

    /// A filtered read examines at most `maxScannedRecords` records, then answers what it found with `nextOffset` to
    /// go on from: a reader looking for a rare type is never held for a whole topic's scan.
    @Test func aFilteredReadStopsAtItsScanBound() async throws {
        let directory = temporaryDirectory()
        let log = try await FileSystemEventLog.open(
            directory: directory,
            topic: "orders",
            options: .init(segmentBytes: 4096, maxScannedRecords: 10),
            threadPool: .singleton,
            logger: quiet
        )
        for _ in 0..<25 { _ = try await log.append([event("A")], condition: nil, logger: quiet) }
        _ = try await log.append([event("B")], condition: nil, logger: quiet)
        let filter = EventFilter(types: ["B"])
        var pages: [(events: [Int64], next: Int64)] = []
        var from: Int64 = 0
        while pages.count < 5 {
            let page = try await log.read(from: from, limit: 100, filter: filter, logger: quiet)
            pages.append((page.events.map(\.offset), page.nextOffset))
            #expect(page.head == 26)
            if !page.events.isEmpty { break }
            from = page.nextOffset
        }
        #expect(pages.map(\.events) == [[], [], [25]])
        #expect(pages.map(\.next) == [10, 20, 26])
        try await log.close(logger: quiet)
    }

    @Test func aSealedSegmentOutOfSequenceFailsTheOpen() async throws {
        let directory = try await Self.closedLogWithSealedSegments()
        // Drop the first record of the first segment (a whole line, so every remaining record is intact) and its
        // index, so opening must rebuild the index and finds offset 1 where 0 belongs.
        let path = segmentFile(directory)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try Data(bytes[(bytes.firstIndex(of: UInt8(ascii: "\n"))! + 1)...]).write(to: URL(fileURLWithPath: path))
        try FileManager.default.removeItem(atPath: "\(directory)/00000000000000000000.index")
        let error = await #expect(throws: EventStoreError.self) { try await openLog(directory, segmentBytes: 4096) }
        #expect(error?.code == .storageCorrupted)
    }

    @Test func aDamagedSealedSegmentFailsReadsOfIt() async throws {
        let directory = try await Self.closedLogWithSealedSegments()
        let path = segmentFile(directory)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[100] ^= 0x01
        try bytes.write(to: URL(fileURLWithPath: path))
        let reopened = try await openLog(directory, segmentBytes: 4096)
        let error = await #expect(throws: EventStoreError.self) { try await reopened.read(from: 0, limit: 10, filter: .all, logger: quiet) }
        #expect(error?.code == .storageCorrupted)
        let later = try await reopened.read(from: 50, limit: 5, filter: .all, logger: quiet)
        #expect(later.events.map(\.offset) == [50, 51, 52, 53, 54])
    }

    /// A sealed segment whose last record lost its newline (cut by hand or by a disk) answers `storageCorrupted`:
    /// the reader neither loops nor traps on a record without an end.
    @Test func aSealedSegmentWithoutItsFinalNewlineFailsReadsOfIt() async throws {
        let directory = try await Self.closedLogWithSealedSegments()
        let path = segmentFile(directory)
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes[bytes.count - 1] = UInt8(ascii: " ")
        try bytes.write(to: URL(fileURLWithPath: path))
        let reopened = try await openLog(directory, segmentBytes: 4096)
        await expectError(.storageCorrupted) { try await reopened.read(from: 0, limit: 100, filter: .all, logger: quiet) }
        let later = try await reopened.read(from: 50, limit: 5, filter: .all, logger: quiet)
        #expect(later.events.map(\.offset) == [50, 51, 52, 53, 54], "other segments stay readable")
    }

    /// A topic's new directories, and its files, are the owner's alone.
    @Test func aNewTopicsDirectoriesAndFilesAreOwnerOnly() async throws {
        let root = temporaryDirectory()
        let directory = root + "/nested/topic"
        let log = try await openLog(directory)
        _ = try await log.append([event("A")], condition: nil, logger: quiet)
        try await log.close(logger: quiet)
        for path in [root, root + "/nested", directory] {
            #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o700, "\(path)")
        }
        for name in try FileManager.default.contentsOfDirectory(atPath: directory) {
            #expect(try FileManager.default.attributesOfItem(atPath: directory + "/" + name)[.posixPermissions] as? Int == 0o600, "\(name)")
        }
    }

    /// Records whose checksum holds but which do not belong where they are (written by hand or by a bug) are not
    /// served: a repeated record would serve an event twice, one without a header would be skipped unseen.
    @Test(arguments: ["repeated", "headerless"])
    func aSealedSegmentWithARecordOutOfPlaceFailsReadsOfIt(_ damage: String) async throws {
        let directory = try await Self.closedLogWithSealedSegments()
        let path = segmentFile(directory)
        var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if damage == "repeated" {
            lines.insert(lines[1], at: 2)
        } else {
            lines[1] = Self.resealed(lines[1].replacingOccurrences(of: #"{"offset":"#, with: #"{"position":"#))
        }
        try lines.joined(separator: "\n").write(toFile: path, atomically: false, encoding: .utf8)

        let reopened = try await openLog(directory, segmentBytes: 4096)
        let error = await #expect(throws: EventStoreError.self) { try await reopened.read(from: 0, limit: 10, filter: .all, logger: quiet) }
        #expect(error?.code == .storageCorrupted)
        let later = try await reopened.read(from: 50, limit: 5, filter: .all, logger: quiet)
        #expect(later.events.map(\.offset) == [50, 51, 52, 53, 54], "other segments stay readable")
    }

    /// The directory of a closed log of 60 events in 4 KiB segments: the first segments are sealed.
    static func closedLogWithSealedSegments() async throws -> String {
        let directory = temporaryDirectory()
        let log = try await openLog(directory, segmentBytes: 4096)
        for index in 0..<60 { _ = try await log.append([event("E\(index)")], condition: nil, logger: quiet) }
        try await log.close(logger: quiet)
        return directory
    }

    /// `line` with its checksum computed anew over its changed content.
    static func resealed(_ line: String) -> String {
        let body = Array(line.utf8.dropLast(EventRecord.trailerLength - 1))
        let checksum = body.withUnsafeBytes { CRC32C.update(0, $0) }
        let hex = String(checksum, radix: 16)
        return String(decoding: body, as: UTF8.self) + #","crc32c":""# + String(repeating: "0", count: 8 - hex.count) + hex + #""}"#
    }

    @Test func idempotencyHoldsAcrossRestarts() async throws {
        let directory = temporaryDirectory()
        let id = UUID()
        let log = try await openLog(directory)
        _ = try await log.append([event("A", id: id), event("B")], condition: nil, logger: quiet)
        try await log.close(logger: quiet)
        let reopened = try await openLog(directory)
        let again = try await reopened.append([event("A", id: id)], condition: nil, logger: quiet)
        #expect(again.entries == [.init(id: id, offset: 0, duplicate: true)])
        #expect(try await reopened.head(logger: quiet) == 2)
    }

    @Test func theIdempotencyWindowKeepsTheNewestIDsAcrossRestarts() async throws {
        let directory = temporaryDirectory()
        let options = FileSystemEventLog.Options(segmentBytes: 4096, idempotencyWindow: 50, indexInterval: 1024)
        func open() async throws -> FileSystemEventLog {
            try await FileSystemEventLog.open(directory: directory, topic: "t", options: options, threadPool: .singleton, logger: quiet)
        }
        let log = try await open()
        var ids: [UUID] = []
        for index in 0..<120 {
            let id = UUID()
            ids.append(id)
            _ = try await log.append([event("E\(index)", id: id)], condition: nil, logger: quiet)
        }
        try await log.close(logger: quiet)
        let reopened = try await open()
        for offset in [70, 71, 100, 119] {
            let repeated = try await reopened.append([event("again", id: ids[offset])], condition: nil, logger: quiet)
            #expect(repeated.entries == [.init(id: ids[offset], offset: Int64(offset), duplicate: true)], "offset \(offset) is in the window")
        }
        // Older than the window: no longer recognised, so stored again (the documented limit).
        let old = try await reopened.append([event("again", id: ids[10])], condition: nil, logger: quiet)
        #expect(old.entries.map(\.duplicate) == [false])
    }

    @Test func aSecondOpenOfTheSameDirectoryIsRefused() async throws {
        let directory = temporaryDirectory()
        let log = try await openLog(directory)
        let error = await #expect(throws: EventStoreError.self) { try await openLog(directory) }
        #expect(error?.code == .storageUnavailable)
        #expect(error?.message.contains("locked") == true)
        try await log.close(logger: quiet)
    }

    @Test func aFailedWriteAnswers503StoresNothingAndStopsAppends() async throws {
        let directory = temporaryDirectory()
        let log = try await openLog(directory)
        _ = try await log.append([event("kept")], condition: nil, logger: quiet)
        let sizeBefore = try FileManager.default.attributesOfItem(atPath: segmentFile(directory))[.size] as? Int
        // A descriptor that cannot write: the write fails, and so does cutting the segment back.
        log.writer.activeFile = try OpenFile(path: segmentFile(directory), flags: O_RDONLY)
        let failed = await #expect(throws: EventStoreError.self) {
            try await log.append([event("lost")], condition: nil, logger: quiet)
        }
        #expect(failed?.code == .storageUnavailable)
        let refused = await #expect(throws: EventStoreError.self) {
            try await log.append([event("later")], condition: nil, logger: quiet)
        }
        #expect(refused?.message.contains("needs a restart") == true)
        #expect(try FileManager.default.attributesOfItem(atPath: segmentFile(directory))[.size] as? Int == sizeBefore)
        #expect(try await readAll(log).map(\.type) == ["kept"], "the failed write is not among the recent events either")
        try await log.close(logger: quiet)
        let reopened = try await openLog(directory)
        #expect(try await readAll(reopened).map(\.type) == ["kept"])
    }

    @Test func closeRefusesLaterAppends() async throws {
        let log = try await openLog(temporaryDirectory())
        try await log.close(logger: quiet)
        await expectError(.storageUnavailable) { try await log.append([event("A")], condition: nil, logger: quiet) }
    }

    @Test func crc32cMatchesTheStandardCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
    }
}
