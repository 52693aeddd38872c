import EventStoreCore

/// What a projection store has read of one generation's log: the model its whole batches make, and where reading
/// stopped.
struct BlobProjectionGeneration: Sendable {
    /// A batch whose first parts were read and whose last part was not (yet).
    private struct PartialBatch {
        var batch: UInt64
        var nextPart: UInt32
        var from: Int64
        var to: Int64
        var replacesModel: Bool
        var position: Int64
        var changes: [UInt8]
    }

    /// The log's blob name.
    let log: String
    /// The bytes read: whole frames.
    private(set) var length: Int64 = 0
    /// The Append Blocks read (one frame each).
    private(set) var blocks = 0
    var table = ProjectionEntryTable()
    /// The last batch applied.
    private(set) var lastBatch: UInt64?
    private var partial: PartialBatch?

    init(log: String) {
        self.log = log
    }

    /// A generation whose log was written afresh holding `table` whole, in `blocks` blocks of `length` bytes.
    init(log: String, table: ProjectionEntryTable, length: Int64, blocks: Int) {
        self.log = log
        self.table = table
        self.length = length
        self.blocks = blocks
    }

    /// Reads the frames at the start of `bytes` (which start at ``length``), applying each batch whose last part
    /// they complete.
    /// - Returns: how many bytes the whole frames among them take.
    /// - Parameter written: the changes of the batch `bytes` end, when the caller wrote that batch and holds them: its
    ///   last part then applies them without decoding its own frames again.
    mutating func read(_ bytes: ArraySlice<UInt8>, written: [ProjectionKey: RawJSON?]? = nil) throws(BlobFrameError) -> Int {
        let (frames, consumed) = try BlobProjectionFrame.frames(in: bytes, at: self.length)
        var position = self.length
        for frame in frames {
            try self.read(frame, at: position, written: written)
            position += Int64(BlobProjectionFrame.headerLength + frame.payload.count)
        }
        self.length += Int64(consumed)
        self.blocks += frames.count
        return consumed
    }

    private mutating func read(_ frame: BlobProjectionFrame, at position: Int64, written: [ProjectionKey: RawJSON?]?) throws(BlobFrameError) {
        if frame.part == 0 {
            // A batch begins: parts of another before it were never finished.
            self.partial = PartialBatch(
                batch: frame.batch, nextPart: 0, from: frame.from, to: frame.to, replacesModel: frame.replacesModel, position: position, changes: []
            )
        }
        // Taken out, so that appending to its changes copies nothing.
        guard var partial = self.partial.take(), partial.batch == frame.batch, partial.nextPart == frame.part else { return }
        if written == nil { partial.changes.append(contentsOf: frame.payload) }  // the writer's own batch is applied as it was
        partial.nextPart += 1
        guard frame.isLastPart else {
            self.partial = partial
            return
        }
        let changes: [ProjectionKey: RawJSON?]
        if let written {
            changes = written
        } else {
            changes = try BlobProjectionChanges.decode(partial.changes, position: partial.position)
        }
        if partial.replacesModel {
            self.table = ProjectionEntryTable()
        } else {
            // Written after reading the log to its end with appendpos, a batch always starts where the model is.
            guard self.table.checkpoint == partial.from else {
                throw BlobFrameError(position: partial.position, reason: "a batch from checkpoint \(partial.from) on a model at \(self.table.checkpoint)")
            }
        }
        self.table.apply(changes, checkpoint: partial.to)
        self.lastBatch = partial.batch
    }
}
