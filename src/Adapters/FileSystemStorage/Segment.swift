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
        guard let entry = self.index.lastIndex(withKeyAtMost: offset, key: \.offset) else { return (self.firstOffset, 0) }
        return (self.index[entry].offset, self.index[entry].position)
    }

    /// Notes a record written at `position`: it gets an index entry when it is the segment's first record or starts
    /// at least `interval` bytes after the last entry.
    mutating func indexRecord(_ offset: Int64, at position: Int64, interval: Int64) {
        guard let last = self.index.last, position - last.position < interval else {
            self.index.append(IndexEntry(offset: offset, position: position))
            return
        }
    }

    static func fileName(_ firstOffset: Int64, _ suffix: String) -> String {
        let digits = String(firstOffset)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + suffix
    }

    /// The first offset a segment file name stands for, or nil for other files.
    static func firstOffset(ofFileNamed name: String) -> Int64? {
        let digits = name.utf8.prefix(20)
        guard name.hasSuffix(".jsonl"), name.utf8.count == 26, digits.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return nil }
        return Int64(String(decoding: digits, as: UTF8.self))
    }
}

extension RandomAccessCollection where Index == Int {
    /// The index of the last element whose key is at most `value`, for elements sorted by key; nil when none is.
    func lastIndex(withKeyAtMost value: Int64, key: (Element) -> Int64) -> Int? {
        var low = self.startIndex
        var high = self.endIndex
        while low < high {
            let middle = (low + high) / 2
            if key(self[middle]) <= value {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return low > self.startIndex ? low - 1 : nil
    }
}
