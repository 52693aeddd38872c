public import AppendGroups
import AsyncLocking
public import EventStoreCore
public import Logging
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A topic's log as append-blob segments in a container, `<prefix>/seg-<first offset, 20 digits>.log`, which
/// several server processes may write at once.
///
/// **Appending.** Publishes queue up (an `AppendQueue`); the writer plans the queued ones in order (a `GroupPlan`)
/// against the tail it knows, encodes them as one frame (``BlobFrame``, at most 4 MiB: a larger group is cut into
/// frames by publish, and a publish larger than a frame is refused with `payloadTooLarge`) and appends it with
/// `x-ms-blob-condition-appendpos` set to the segment's length as it knows it. So two writers never interleave or
/// reorder: the loser of a race gets 412, reads the frames the winner appended, plans its publishes again
/// (conditions and idempotency against the new tail) and retries. An append that got no answer is resolved by
/// reading what is at its position: its own frame (writer and batch identity), another's, or nothing.
///
/// **Roll-over.** A segment is full at `segmentBytes` (`x-ms-blob-condition-maxsize`) or at the service's block
/// limit; the writer that finds it full seals it (`comp=seal`), reads its last frames, and creates the next segment,
/// named by the sealed one's end offset, with `If-None-Match: *`: every writer agrees where a segment ends.
///
/// **Reading** finds the segment by name, then the frame by an index of frame boundaries (built by reading the
/// segment once, kept in memory), and reads ranges of frames: never the whole topic.
///
/// **Other writers' appends** are seen when this process appends (a 412), and by polling the tail segment every
/// `pollInterval` while the engine observes the log. The writer and the poller take turns (an `AsyncLock`), so the
/// tail this process knows only ever grows by frames read in order.
///
/// **Idempotency** by event id holds against the events of the segment being written and the one before it (read
/// when the log opens), and every event appended since, by any writer.
public final class BlobEventLog: EventLog {
    /// Tunables of a log.
    public struct Options: Sendable {
        /// A segment is full at this many bytes.
        public var segmentBytes: Int64
        /// The most appends waiting for the writer at once.
        public var maxQueuedAppends: Int
        /// How often the tail is polled for other writers' appends.
        public var pollInterval: Duration
        /// How many times one group is planned again after losing a race (or finding a full segment) before it is
        /// answered 503.
        public var maxAttempts: Int

        /// The defaults: 64 MiB segments, the queue depth of the other adapters, a poll a second, 64 attempts.
        public init(
            segmentBytes: Int64 = 64 << 20,
            maxQueuedAppends: Int = AppendQueue.defaultMaxDepth,
            pollInterval: Duration = .seconds(1),
            maxAttempts: Int = 64
        ) {
            self.segmentBytes = segmentBytes
            self.maxQueuedAppends = maxQueuedAppends
            self.pollInterval = pollInterval
            self.maxAttempts = maxAttempts
        }
    }

    /// One segment as this process knows it.
    struct Segment: Sendable {
        var name: String
        var firstOffset: Int64
        /// Its frames, once read (nil until a read or the writer needs them).
        var frames: [BlobFrame]?

        var length: Int64 { self.frames?.last?.endPosition ?? 0 }
        var endOffset: Int64 { self.frames?.last?.endOffset ?? self.firstOffset }
    }

    private struct State {
        /// In offset order; the last is the tail, whose frames are always known.
        var segments: [Segment]
        /// The ids of the idempotency window, with their offsets.
        var ids: [UUID: Int64] = [:]
        /// The segments before the last two whose frames are kept, oldest first (at most ``keptIndexes``).
        var indexed: [String] = []
        var head: Int64 { self.segments.last?.endOffset ?? 0 }
    }

    let client: BlobContainerClient
    let prefix: String
    let topic: String
    let options: Options
    /// Who this log is, in the frames it writes.
    let writerID = UUID()
    private let readOnly: Bool
    private let state: Mutex<State>
    private let queue: AppendQueue
    private let batches = Atomic<UInt64>(0)
    private let poller = Mutex<Task<Void, Never>?>(nil)
    /// Held by whoever changes the tail: the writer, for a whole group; the poller, for one look.
    private let tailLock = AsyncLock()
    private let logger: Logger

    private init(client: BlobContainerClient, prefix: String, topic: String, options: Options, readOnly: Bool, state: State, logger: Logger) {
        self.client = client
        self.prefix = prefix
        self.topic = topic
        self.options = options
        self.readOnly = readOnly
        self.state = Mutex(state)
        self.queue = AppendQueue(topic: topic, maxDepth: options.maxQueuedAppends)
        self.logger = logger
    }

    /// Opens the topic's log: lists its segments, creates the first when there is none (unless `readOnly`), and reads
    /// the last two (the tail's frames, the window's ids).
    static func open(
        client: BlobContainerClient,
        prefix: String,
        topic: String,
        options: Options,
        readOnly: Bool = false,
        logger: Logger
    ) async throws -> BlobEventLog {
        var segments = try await Self.listSegments(client, prefix: prefix)
        var state = State(segments: segments)
        if segments.isEmpty {
            if !readOnly { _ = try await client.createAppendBlob(Self.segmentName(prefix, 0)) }
            state.segments = [Segment(name: Self.segmentName(prefix, 0), firstOffset: 0, frames: [])]
            segments = readOnly ? [] : state.segments
        }
        for index in segments.indices.suffix(2) {
            let (frames, events) = try await Self.readFrames(client, of: segments[index], from: 0, offset: segments[index].firstOffset, decoding: true)
            state.segments[index].frames = frames
            if index + 1 < segments.count, state.segments[index].endOffset != segments[index + 1].firstOffset {
                throw EventStoreError(.storageCorrupted, "blob segment '\(segments[index].name)' ends at offset \(state.segments[index].endOffset), not where the next begins")
            }
            for event in events { state.ids[event.id] = event.offset }
        }
        logger.debug("Opened blob topic", metadata: ["topic": "\(topic)", "segments": "\(state.segments.count)", "head": "\(state.head)"])
        return BlobEventLog(client: client, prefix: prefix, topic: topic, options: options, readOnly: readOnly, state: state, logger: logger)
    }

    /// How many older segments' frame indexes a log keeps (the last two are always kept).
    static let keptIndexes = 16

    /// The highest first offset a segment may have: far below `Int64.max`, so offsets never overflow.
    static let maxOffset: Int64 = 1 << 62

    static func segmentName(_ prefix: String, _ firstOffset: Int64) -> String {
        let digits = String(firstOffset)
        return "\(prefix)/seg-\(String(repeating: "0", count: max(0, 20 - digits.count)))\(digits).log"
    }

    /// The topic's segments, in offset order, from a listing (other blobs under the prefix are ignored).
    /// - Throws: `storageCorrupted` for a listing that does not end, or a segment numbered past ``maxOffset``.
    private static func listSegments(_ client: BlobContainerClient, prefix: String) async throws -> [Segment] {
        var segments: [Segment] = []
        let blobs: [BlobContainerClient.ListedBlob]
        do {
            blobs = try await client.listAll(prefix: "\(prefix)/seg-")
        } catch let error as BlobListingError {
            throw EventStoreError(.storageCorrupted, "\(error)")
        }
        for blob in blobs {
            let digits = blob.name.dropFirst(prefix.count + 5).dropLast(4)
            guard blob.name.hasSuffix(".log"), digits.count == 20, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let first = Int64(digits) else {
                continue
            }
            guard first <= Self.maxOffset else { throw EventStoreError(.storageCorrupted, "blob segment '\(blob.name)' is numbered past \(Self.maxOffset)") }
            segments.append(Segment(name: blob.name, firstOffset: first, frames: nil))
        }
        return segments.sorted { $0.firstOffset < $1.firstOffset }
    }

    /// The frames of `segment` from byte `position` to its end (and their events, when `decoding`); the first must
    /// begin at event `offset`, and each where the one before it ended.
    /// - Throws: `storageCorrupted` for bytes that are not such frames.
    private static func readFrames(
        _ client: BlobContainerClient,
        of segment: Segment,
        from position: Int64,
        offset: Int64,
        decoding: Bool
    ) async throws -> (frames: [BlobFrame], events: [Event]) {
        let chunk: Int64 = 8 << 20
        var frames: [BlobFrame] = []
        var events: [Event] = []
        var pending: [UInt8] = []
        var pendingStart = position
        var next = position
        var expected = offset
        while true {
            let bytes = try await client.read(segment.name, range: next..<(next + chunk))
            next += Int64(bytes.count)
            pending += bytes
            do {
                let (found, consumed) = try BlobFrame.frames(in: pending[...], at: pendingStart)
                for frame in found {
                    guard frame.firstOffset == expected else {
                        throw BlobFrameError(position: frame.position, reason: "the frame begins at offset \(frame.firstOffset), not \(expected)")
                    }
                    expected = frame.endOffset
                    if decoding {
                        let start = Int(frame.position - pendingStart)
                        events += try BlobFrame.events(of: frame, in: pending[start..<(start + frame.length)])
                    }
                }
                frames += found
                pending.removeFirst(consumed)
                pendingStart += Int64(consumed)
            } catch {
                throw EventStoreError(.storageCorrupted, "blob segment '\(segment.name)': \(error)")
            }
            if Int64(bytes.count) < chunk { break }
        }
        guard pending.isEmpty else {
            throw EventStoreError(.storageCorrupted, "blob segment '\(segment.name)' ends inside a frame at byte \(pendingStart)")
        }
        return (frames, events)
    }

    // MARK: EventLog

    public func append(_ events: [NewEvent], condition: AppendCondition?, logger: Logger) async throws -> AppendResult {
        guard !self.readOnly else { throw EventStoreError(.storageUnavailable, "topic '\(self.topic)' is open for reading only") }
        return try await self.queue.append(events, condition: condition) {
            Task { await self.writeQueued() }
        }
    }

    public func read(from offset: Int64, limit: Int, maxBytes: Int, filter: EventFilter, logger: Logger) async throws -> EventPage {
        let (segments, head) = self.state.withLock { ($0.segments, $0.head) }
        guard offset < head else { return EventPage(events: [], nextOffset: max(offset, head), head: head) }
        let start = max(offset, 0)
        guard let index = segments.lastIndex(where: { $0.firstOffset <= start }) else {
            return EventPage(events: [], nextOffset: head, head: head)
        }
        let frames = try await self.frames(of: segments, at: index)
        let first = Self.firstFrame(in: frames, endingAfter: start)
        guard first < frames.count else {
            // Past this segment's end (it was sealed there): continue in the next.
            let next = index + 1 < segments.count ? segments[index + 1].firstOffset : head
            return EventPage(events: [], nextOffset: max(next, start + 1), head: head)
        }
        // Frames up to about 4 MiB, and enough events for the page.
        var last = first
        var bytes = frames[first].length
        while last + 1 < frames.count, frames[last].endOffset - start < Int64(limit), bytes + frames[last + 1].length <= BlobFrame.maxBytes {
            last += 1
            bytes += frames[last].length
        }
        let range = frames[first].position..<frames[last].endPosition
        let data = try await self.client.read(segments[index].name, range: range)
        guard data.count == Int(range.count) else {
            throw EventStoreError(.storageCorrupted, "blob segment '\(segments[index].name)' is shorter than its frames")
        }
        var events: [Event] = []
        var payload = 0
        var nextOffset = start
        scan: for frame in frames[first...last] {
            let base = Int(frame.position - range.lowerBound)
            let decoded: [Event]
            do {
                decoded = try BlobFrame.events(of: frame, in: data[base..<(base + frame.length)])
            } catch {
                throw EventStoreError(.storageCorrupted, "blob segment '\(segments[index].name)': \(error)")
            }
            for event in decoded where event.offset >= start {
                if filter.matches(event) {
                    if events.count == limit || (!events.isEmpty && payload + event.payloadSize > maxBytes) { break scan }
                    events.append(event)
                    payload += event.payloadSize
                }
                nextOffset = event.offset + 1
            }
        }
        return EventPage(events: events, nextOffset: nextOffset, head: head)
    }

    /// The index of the first frame that ends after `offset` (frames are in offset order).
    private static func firstFrame(in frames: [BlobFrame], endingAfter offset: Int64) -> Int {
        var (low, high) = (0, frames.count)
        while low < high {
            let middle = (low + high) / 2
            if frames[middle].endOffset > offset { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// How many segments' frame indexes the log holds now.
    var indexedSegments: Int {
        self.state.withLock { $0.segments.count { $0.frames != nil } }
    }

    public func head(logger: Logger) async throws -> Int64 {
        self.state.withLock { $0.head }
    }

    public func close(logger: Logger) async throws {
        let poller = self.poller.withLock { poller in
            defer { poller = nil }
            poller?.cancel()
            return poller
        }
        await poller?.value
        await self.queue.close()
    }

    public var checksAvailability: Bool { true }

    public func checkAvailability(logger: Logger) async throws {
        let tail = self.state.withLock { $0.segments[$0.segments.count - 1].name }
        do {
            _ = try await self.client.properties(tail)
        } catch {
            throw self.unavailable(error, outcome: nil)
        }
    }

    public func observeExternalAppends(_ onHead: @escaping @Sendable (Int64) -> Void) {
        let task = Task { [weak self] in
            while !Task.isCancelled {
                guard let interval = self?.options.pollInterval else { return }
                try? await Task.sleep(for: interval)
                guard let self, !Task.isCancelled else { return }
                let before = self.state.withLock { $0.head }
                do {
                    try await self.refresh()
                } catch {
                    self.logger.warning("Polling a blob topic's tail failed", metadata: ["topic": "\(self.topic)", "error": "\(error)"])
                }
                let after = self.state.withLock { $0.head }
                if after > before { onHead(after) }
            }
        }
        self.poller.withLock { previous in
            previous?.cancel()
            previous = task
        }
    }

    // MARK: Writing (one writer at a time, through the queue)

    private func writeQueued() async {
        while let group = self.queue.nextGroup() {
            var frame: [AppendQueue.Append] = []
            var size = BlobFrame.headerLength
            for append in group {
                let length = BlobFrame.largestLength(of: append.events) - BlobFrame.headerLength
                guard length + BlobFrame.headerLength <= BlobFrame.maxBytes else {
                    append.answer(.failure(EventStoreError(
                        .payloadTooLarge,
                        "the batch takes more than \(BlobFrame.maxBytes) bytes, the most a blob topic writes at once; publish it in smaller batches"
                    )))
                    continue
                }
                if size + length > BlobFrame.maxBytes, !frame.isEmpty {
                    await self.commit(frame)
                    (frame, size) = ([], BlobFrame.headerLength)
                }
                frame.append(append)
                size += length
            }
            if !frame.isEmpty { await self.commit(frame) }
        }
    }

    /// A question a condition asks of the stored events, and how far it was answered.
    private struct Question: Hashable {
        var filter: EventFilter
        var first: Int64
    }

    /// Stores `appends` as one frame at the tail, planning them again after every race lost, then answers them.
    private func commit(_ appends: [AppendQueue.Append]) async {
        let requests = appends.map { (events: $0.events, condition: $0.condition) }
        var answered: [Question: (upTo: Int64, matched: Bool)] = [:]
        // Whether a frame of this group may have been stored although no answer said so.
        var outcomeUnknown = false
        await self.tailLock.withLock {
            do {
                var attempts = 0
                while true {
                    attempts += 1
                    guard attempts <= self.options.maxAttempts else {
                        throw EventStoreError(.storageUnavailable, "topic '\(self.topic)' lost \(self.options.maxAttempts) races to other writers in a row")
                    }
                    let tail = self.state.withLock { $0.segments[$0.segments.count - 1] }
                    let plan = try await self.plan(requests, on: tail, answered: &answered)
                    // A refusal (or nothing to write) is not checked by an append: look at the tail first, in case
                    // another writer moved it since this process last did.
                    if plan.written.isEmpty || plan.answers.contains(where: { (try? $0.get()) == nil }) {
                        try await self.refreshTail()
                        let now = self.state.withLock { $0.segments[$0.segments.count - 1] }
                        if now.name != tail.name || now.length != tail.length { continue }
                    }
                    guard !plan.written.isEmpty else {
                        for (append, answer) in zip(appends, plan.answers) { append.answer(answer.mapError { $0 }) }
                        return
                    }
                    let batch = self.batches.add(1, ordering: .relaxed).newValue
                    switch try await self.append(plan.written, batch: batch, to: tail, outcomeUnknown: &outcomeUnknown) {
                    case .stored:
                        for (append, answer) in zip(appends, plan.answers) { append.answer(answer.mapError { $0 }) }
                        return
                    case .raceLost, .segmentFull:
                        continue
                    }
                }
            } catch {
                let failure = self.unavailable(error, outcome: outcomeUnknown ? "the events may or may not be stored: publish them again with the same ids" : "nothing was written")
                for append in appends { append.answer(.failure(failure)) }
            }
        }
    }

    private enum AppendOutcome {
        case stored
        case raceLost
        case segmentFull
    }

    /// Appends the frame of `events` at the tail's end and learns what became of it.
    /// - Parameter outcomeUnknown: set when an append went unanswered and was not resolved yet.
    private func append(_ events: [Event], batch: UInt64, to tail: Segment, outcomeUnknown: inout Bool) async throws -> AppendOutcome {
        let bytes = BlobFrame.encode(events, writer: self.writerID, batch: batch)
        let frame = BlobFrame(
            position: tail.length,
            length: bytes.count,
            firstOffset: events[0].offset,
            count: events.count,
            writer: self.writerID,
            batch: batch
        )
        var unanswered = 0
        while true {
            do {
                try await self.client.appendBlock(tail.name, bytes, at: tail.length, maxSize: self.options.segmentBytes)
                outcomeUnknown = false
                self.advance(tail.name, from: tail.length, frames: [frame], events: events)
                return .stored
            } catch let error as BlobServiceError where error.code == "AppendPositionConditionNotMet" {
                // Another writer appended first, or libcurl resent this append after its answer was lost.
                return try await self.resolve(frame, in: tail, outcomeUnknown: &outcomeUnknown) ? .stored : .raceLost
            } catch let error as BlobServiceError
                where ["MaxBlobSizeConditionNotMet", "BlockCountExceedsLimit", "BlobIsSealed"].contains(error.code)
            {
                guard tail.length > 0 || error.code == "BlobIsSealed" else {
                    // Sealing an empty segment would name its successor as itself: refuse instead.
                    throw EventStoreError(.storageUnavailable, "segment '\(tail.name)' of topic '\(self.topic)' refuses its first frame (\(error.code)); nothing was written")
                }
                try await self.rollOver(tail)
                return .segmentFull
            } catch where error is BlobTransportError || ((error as? BlobServiceError)?.status ?? 0) >= 500 {
                // No answer (or a failure the service may have acted on): whether the frame is stored is read back.
                outcomeUnknown = true
                if try await self.resolve(frame, in: tail, outcomeUnknown: &outcomeUnknown) { return .stored }
                if self.state.withLock({ $0.segments.last?.length }) != tail.length { return .raceLost }
                unanswered += 1
                guard unanswered < 3 else { throw self.unavailable(error, outcome: "the events may or may not be stored: publish them again with the same ids") }
            }
        }
    }

    /// Whether `frame` is stored where it was meant to go: the frame at its position is this writer's batch. Reads
    /// what other writers appended meanwhile.
    private func resolve(_ frame: BlobFrame, in tail: Segment, outcomeUnknown: inout Bool) async throws -> Bool {
        let header = try await self.client.read(tail.name, range: frame.position..<(frame.position + Int64(BlobFrame.headerLength)))
        let ours = BlobFrame.identity(ofHeader: header).map { $0.writer == self.writerID && $0.batch == frame.batch } ?? false
        if !header.isEmpty { outcomeUnknown = false }  // something else (or this) is stored there: known now
        try await self.refreshTail()
        return ours
    }

    /// Plans `requests` against `tail`: conditions that need stored events are answered by reading them first, from
    /// where an earlier attempt's answer left off.
    private func plan(
        _ requests: [(events: [NewEvent], condition: AppendCondition?)],
        on tail: Segment,
        answered: inout [Question: (upTo: Int64, matched: Bool)]
    ) async throws -> GroupPlan {
        let head = tail.endOffset
        guard head <= Self.maxOffset else { throw EventStoreError(.storageFull, "topic '\(self.topic)' has reached offset \(Self.maxOffset)") }
        for case let (_, condition?) in requests {
            guard let filter = condition.failIfEventsMatch else { continue }
            let question = Question(filter: filter, first: AppendPlanner.firstOffsetChecked(by: condition))
            guard question.first < head else { continue }
            let known = answered[question] ?? (upTo: question.first, matched: false)
            guard !known.matched, known.upTo < head else { continue }
            answered[question] = (head, try await self.anyStoredEvent(matching: filter, from: known.upTo, below: head))
        }
        let ids = self.state.withLock { $0.ids }
        let matches = answered
        return GroupPlan(requests, head: head, storedOffset: { ids[$0] }, storedEventMatches: { matches[Question(filter: $0, first: $1)]?.matched ?? false })
    }

    private func anyStoredEvent(matching filter: EventFilter, from first: Int64, below head: Int64) async throws -> Bool {
        var offset = first
        while offset < head {
            let page = try await self.read(from: offset, limit: 1000, maxBytes: .max, filter: filter, logger: self.logger)
            if let event = page.events.first { return event.offset < head }
            guard page.nextOffset > offset else { return false }
            offset = page.nextOffset
        }
        return false
    }

    /// Takes a turn to read what other writers appended (the poller's look, and the tests').
    func refresh() async throws {
        try await self.tailLock.withLock { try await self.refreshTail() }
    }

    /// Reads the frames appended to the tail since this process last looked, following the roll-overs other writers
    /// made. Called holding the tail lock.
    private func refreshTail() async throws {
        while true {
            let tail = self.state.withLock { $0.segments[$0.segments.count - 1] }
            // Sealed first, then read: a sealed segment is final, so the read sees all of it.
            let sealed = try await self.client.properties(tail.name)?.sealed ?? false
            let (frames, events) = try await Self.readFrames(self.client, of: tail, from: tail.length, offset: tail.endOffset, decoding: true)
            self.advance(tail.name, from: tail.length, frames: frames, events: events)
            guard sealed else { return }
            let read = self.state.withLock { $0.segments[$0.segments.count - 1] }
            guard try await self.openNext(after: read, creating: false) else { return }
        }
    }

    /// Records frames read or written at `position` of the tail segment `name`. Called holding the tail lock.
    private func advance(_ name: String, from position: Int64, frames: [BlobFrame], events: [Event]) {
        guard !frames.isEmpty else { return }
        self.state.withLock { state in
            let last = state.segments.count - 1
            guard state.segments[last].name == name, state.segments[last].length == position else { return }
            state.segments[last].frames! += frames
            for event in events { state.ids[event.id] = event.offset }
        }
    }

    /// Seals the full tail, reads its last frames, and opens the next segment (creating it unless another writer
    /// did). Called holding the tail lock.
    private func rollOver(_ tail: Segment) async throws {
        try await self.client.seal(tail.name)
        let current = self.state.withLock { $0.segments[$0.segments.count - 1] }
        guard current.name == tail.name else { return }  // the tail moved on already
        let (frames, events) = try await Self.readFrames(self.client, of: current, from: current.length, offset: current.endOffset, decoding: true)
        self.advance(current.name, from: current.length, frames: frames, events: events)
        let sealed = self.state.withLock { $0.segments[$0.segments.count - 1] }
        try await self.openNext(after: sealed, creating: true)
    }

    /// Makes the segment after the sealed `segment` the tail, reading what it holds. Called holding the tail lock.
    /// - Returns: false when the successor does not exist yet (and `creating` is false): the next look finds it.
    /// - Throws: `storageCorrupted` for a sealed segment that holds no event (its successor would have its name).
    @discardableResult
    private func openNext(after segment: Segment, creating: Bool) async throws -> Bool {
        guard segment.endOffset > segment.firstOffset else {
            throw EventStoreError(.storageCorrupted, "blob segment '\(segment.name)' is sealed without an event")
        }
        let name = Self.segmentName(self.prefix, segment.endOffset)
        if creating {
            _ = try await self.client.createAppendBlob(name)
        } else if try await self.client.properties(name) == nil {
            return false
        }
        let next = Segment(name: name, firstOffset: segment.endOffset, frames: [])
        let (frames, events) = try await Self.readFrames(self.client, of: next, from: 0, offset: next.firstOffset, decoding: true)
        self.state.withLock { state in
            let last = state.segments.count - 1
            guard state.segments[last].name == segment.name else { return }
            var opened = next
            opened.frames = frames
            state.segments.append(opened)
            for event in events { state.ids[event.id] = event.offset }
            // The window: the tail and the segment before it.
            let oldest = state.segments[state.segments.count - 2].firstOffset
            state.ids = state.ids.filter { $0.value >= oldest }
        }
        self.logger.debug("Rolled blob segment", metadata: ["topic": "\(self.topic)", "segment": "\(name)"])
        return true
    }

    /// The frames of the segment at `index` of `segments`, read once and kept; checked to end where the next begins.
    private func frames(of segments: [Segment], at index: Int) async throws -> [BlobFrame] {
        let segment = segments[index]
        if let frames = segment.frames { return frames }
        let (frames, _) = try await Self.readFrames(self.client, of: segment, from: 0, offset: segment.firstOffset, decoding: false)
        if index + 1 < segments.count, (frames.last?.endOffset ?? segment.firstOffset) != segments[index + 1].firstOffset {
            throw EventStoreError(.storageCorrupted, "blob segment '\(segment.name)' does not end where the next begins")
        }
        self.state.withLock { state in
            guard index < state.segments.count, state.segments[index].name == segment.name, state.segments[index].frames == nil else { return }
            state.segments[index].frames = frames
            // Older segments' indexes are kept for the most recently read ones only: memory stays bounded.
            guard index < state.segments.count - 2 else { return }
            state.indexed.append(segment.name)
            if state.indexed.count > Self.keptIndexes {
                let evicted = state.indexed.removeFirst()
                if let position = state.segments.firstIndex(where: { $0.name == evicted }), position < state.segments.count - 2 {
                    state.segments[position].frames = nil
                }
            }
        }
        return frames
    }

    /// The error a client sees for a failure of the Blob service: what failed and (for appends) what became of the
    /// events, never a secret.
    func unavailable(_ error: any Error, outcome: String?) -> EventStoreError {
        if let error = error as? EventStoreError { return error }
        let outcome = outcome.map { "; \($0)" } ?? ""
        if let error = error as? BlobServiceError, error.isAuthenticationFailure {
            return EventStoreError(.storageUnavailable, "the Blob service refused the credentials of topic '\(self.topic)' (\(error.status) \(error.code))\(outcome)")
        }
        return EventStoreError(.storageUnavailable, "the Blob storage of topic '\(self.topic)' failed (\(error))\(outcome)")
    }
}
