/// One segment file of a topic: `<first offset, 20 digits>.jsonl`, with its sparse index beside it.
struct Segment: Sendable {
    /// A position in the segment: the record of `offset` starts at byte `position`.
    struct IndexEntry: Sendable, Equatable {
        var offset: Int64
        var position: Int64
    }

    var firstOffset: Int64
    /// Bytes of whole, durable records; readers never look past it.
    var size: Int64
    var recordCount: Int64
    /// Ascending; the first entry is the segment's first record.
    var index: [IndexEntry]

    var endOffset: Int64 { self.firstOffset + self.recordCount }

    /// Where to start scanning for `offset`: the last index entry at or before it.
    func startPosition(for offset: Int64) -> (offset: Int64, position: Int64) {
        var low = 0
        var high = self.index.count - 1
        var best = (offset: self.firstOffset, position: Int64(0))
        while low <= high {
            let middle = (low + high) / 2
            if self.index[middle].offset <= offset {
                best = (self.index[middle].offset, self.index[middle].position)
                low = middle + 1
            } else {
                high = middle - 1
            }
        }
        return best
    }

    static func fileName(_ firstOffset: Int64, _ suffix: String) -> String {
        let digits = String(firstOffset)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + suffix
    }

    /// The first offset a segment file name stands for, or nil for other files.
    static func firstOffset(ofFileNamed name: String) -> Int64? {
        guard name.hasSuffix(".jsonl"), name.count == 26 else { return nil }
        return Int64(name.prefix(20))
    }
}
