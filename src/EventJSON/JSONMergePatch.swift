/// JSON Merge Patch (RFC 7396) over JSON bytes that were validated before (stored event data, states it made).
///
/// The result is written in one pass: only the objects a patch reaches are scanned (one level at a time, by their
/// structure: strings, brackets, separators; what was validated is not validated again), every other value and every
/// name without an escape is copied as its bytes, and nothing is copied out of the inputs on the way. Member order:
/// the target's members in their order, then those the patch adds. Names compare by what they decode to, byte for
/// byte (a composed `é` and `e` with a combining accent are two names).
public enum JSONMergePatch {
    /// The target after applying `patch`; `target` nil is an absent value.
    /// - Throws: `JSONParseError` where the structure of either breaks off (a truncated value, say).
    public static func apply(_ patch: [UInt8], to target: [UInt8]?) throws(JSONParseError) -> [UInt8] {
        var writer = JSONWriter(capacity: (target?.count ?? 0) + patch.count + 16)
        // The scan works on the buffers in place: no reference counting per value or name.
        let merged: Result<Void, JSONParseError> = patch.withUnsafeBufferPointer { patch in
            Self.withBuffer(of: target) { target in
                Result { () throws(JSONParseError) in
                    try Self.merge(
                        Value(base: patch, range: 0..<patch.count),
                        into: target.map { Value(base: $0, range: 0..<$0.count) },
                        writer: &writer
                    )
                }
            }
        }
        try merged.get()
        return writer.bytes
    }

    private static func withBuffer<R>(of bytes: [UInt8]?, _ body: (UnsafeBufferPointer<UInt8>?) -> R) -> R {
        guard let bytes else { return body(nil) }
        return bytes.withUnsafeBufferPointer { body($0) }
    }

    /// A JSON value inside a buffer that outlives the merge.
    private struct Value {
        let base: UnsafeBufferPointer<UInt8>
        let range: Range<Int>

        var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(rebasing: self.base[self.range]) }

        var isNull: Bool {
            self.range.count == 4 && self.base[self.range.lowerBound] == UInt8(ascii: "n") && self.bytes.elementsEqual("null".utf8)
        }
    }

    /// One member of an object: its name's raw bytes (between the quotes), whether they hold an escape, its value.
    private struct Member {
        let name: Range<Int>
        let escaped: Bool
        let value: Range<Int>
    }

    private static func merge(_ patch: Value, into target: Value?, writer: inout JSONWriter) throws(JSONParseError) {
        let trimmedPatch = Self.trimmed(patch)
        guard trimmedPatch.range.first.map({ patch.base[$0] }) == UInt8(ascii: "{") else {
            writer.raw(trimmedPatch.bytes)
            return
        }
        let patchMembers = try Self.members(of: trimmedPatch.range, in: patch.base)
        var targetMembers: [Member] = []
        let targetBase = target?.base ?? UnsafeBufferPointer(start: nil, count: 0)
        if let target {
            let trimmedTarget = Self.trimmed(target)
            if trimmedTarget.range.first.map({ targetBase[$0] }) == UInt8(ascii: "{") {
                targetMembers = try Self.members(of: trimmedTarget.range, in: targetBase)
            }
        }
        let patchEscaped = try EscapedNames(patchMembers, in: patch.base)
        let targetEscaped = try EscapedNames(targetMembers, in: targetBase)
        // Inside these scopes the names point into the inputs and the decoded escaped names alike.
        let written: Result<Void, JSONParseError> = patchEscaped.bytes.withUnsafeBufferPointer { patchDecoded in
            targetEscaped.bytes.withUnsafeBufferPointer { targetDecoded in
                Result { () throws(JSONParseError) in
                    try Self.writeMembers(
                        patch: (patch.base, patchMembers, Names(patchMembers, in: patch.base, escaped: patchEscaped, decoded: patchDecoded)),
                        target: (targetBase, targetMembers, Names(targetMembers, in: targetBase, escaped: targetEscaped, decoded: targetDecoded)),
                        writer: &writer
                    )
                }
            }
        }
        try written.get()
    }

    /// Writes the merged object of two objects' members.
    private static func writeMembers(
        patch: (base: UnsafeBufferPointer<UInt8>, members: [Member], names: Names),
        target: (base: UnsafeBufferPointer<UInt8>, members: [Member], names: Names),
        writer: inout JSONWriter
    ) throws(JSONParseError) {
        writer.raw("{")
        var first = true
        // The target's members, each once (the last of duplicates wins, at the first one's place), patched.
        for (position, member) in target.members.enumerated() where target.names.first(of: position) == position {
            let value = target.members[target.names.last(of: position)].value
            let patched = patch.names.last(named: target.names, position)
            if let patched, Value(base: patch.base, range: patch.members[patched].value).isNull { continue }
            if !first { writer.raw(",") }
            first = false
            try Self.writeName(member, in: target.base, to: &writer)
            if let patched {
                try Self.merge(Value(base: patch.base, range: patch.members[patched].value), into: Value(base: target.base, range: value), writer: &writer)
            } else {
                writer.raw(Value(base: target.base, range: value).bytes)
            }
        }
        // The patch's new members (the last of duplicates), their nulls dropped.
        for (position, member) in patch.members.enumerated() where patch.names.last(of: position) == position {
            guard target.names.last(named: patch.names, position) == nil else { continue }
            let value = Value(base: patch.base, range: member.value)
            if value.isNull { continue }
            if !first { writer.raw(",") }
            first = false
            try Self.writeName(member, in: patch.base, to: &writer)
            try Self.merge(value, into: nil, writer: &writer)
        }
        writer.raw("}")
    }

    /// The members of the object at `range` (which starts with `{`), found by its structure alone.
    private static func members(of range: Range<Int>, in base: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> [Member] {
        var members: [Member] = []
        members.reserveCapacity(8)  // most objects have a few members: one allocation, not one per doubling
        var index = Self.skipSpace(base, range.lowerBound + 1, range.upperBound)
        if index < range.upperBound, base[index] == UInt8(ascii: "}") { return members }
        while index < range.upperBound {
            guard base[index] == UInt8(ascii: "\"") else { throw Self.broken(at: index) }
            let (nameEnd, escaped) = try Self.endOfString(base, index, range.upperBound)
            let name = (index + 1)..<(nameEnd - 1)
            index = Self.skipSpace(base, nameEnd, range.upperBound)
            guard index < range.upperBound, base[index] == UInt8(ascii: ":") else { throw Self.broken(at: index) }
            let valueStart = Self.skipSpace(base, index + 1, range.upperBound)
            let valueEnd = try Self.endOfValue(base, valueStart, range.upperBound)
            members.append(Member(name: name, escaped: escaped, value: valueStart..<valueEnd))
            index = Self.skipSpace(base, valueEnd, range.upperBound)
            guard index < range.upperBound else { break }
            if base[index] == UInt8(ascii: "}") { return members }
            guard base[index] == UInt8(ascii: ",") else { throw Self.broken(at: index) }
            index = Self.skipSpace(base, index + 1, range.upperBound)
        }
        throw Self.broken(at: range.upperBound)
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09
    }

    private static func skipSpace(_ base: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> Int {
        var index = start
        while index < end, Self.isSpace(base[index]) { index += 1 }
        return index
    }

    /// Just past the string that starts at `start` (its opening quote), and whether it holds an escape.
    private static func endOfString(_ base: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) throws(JSONParseError) -> (Int, Bool) {
        var index = start + 1
        var escaped = false
        while index < end {
            switch base[index] {
            case UInt8(ascii: "\""): return (index + 1, escaped)
            case UInt8(ascii: "\\"):
                escaped = true
                index += 2
            default: index += 1
            }
        }
        throw Self.broken(at: end)
    }

    /// Just past the value that starts at `start`.
    private static func endOfValue(_ base: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) throws(JSONParseError) -> Int {
        guard start < end else { throw Self.broken(at: end) }
        switch base[start] {
        case UInt8(ascii: "\""):
            return try Self.endOfString(base, start, end).0
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var index = start
            while index < end {
                switch base[index] {
                case UInt8(ascii: "\""):
                    index = try Self.endOfString(base, index, end).0
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return index + 1 }
                default:
                    break
                }
                index += 1
            }
            throw Self.broken(at: end)
        default:
            var index = start
            while index < end {
                switch base[index] {
                case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x0A, 0x0D, 0x09: return index
                default: index += 1
                }
            }
            return index
        }
    }

    private static func broken(at index: Int) -> JSONParseError {
        JSONParseError(message: "the JSON breaks off", offset: index)
    }

    private static func writeName(_ member: Member, in base: UnsafeBufferPointer<UInt8>, to writer: inout JSONWriter) throws(JSONParseError) {
        if member.escaped {
            writer.string(try EscapedNames.decode(member, in: base))
        } else {
            writer.raw("\"")
            writer.raw(UnsafeBufferPointer(rebasing: base[member.name]))
            writer.raw("\"")
        }
        writer.raw(":")
    }

    private static func trimmed(_ value: Value) -> Value {
        var (lower, upper) = (value.range.lowerBound, value.range.upperBound)
        while lower < upper, Self.isSpace(value.base[lower]) { lower += 1 }
        while upper > lower, Self.isSpace(value.base[upper - 1]) { upper -= 1 }
        return Value(base: value.base, range: lower..<upper)
    }

    /// The names of an object's members that hold an escape, decoded one after the other into one buffer.
    private struct EscapedNames {
        var bytes: [UInt8] = []
        /// Each escaped name's place in ``bytes``, in member order.
        var ranges: [Range<Int>] = []

        init(_ members: [Member], in base: UnsafeBufferPointer<UInt8>) throws(JSONParseError) {
            for member in members where member.escaped {
                let start = self.bytes.count
                self.bytes.append(contentsOf: try Self.decode(member, in: base).utf8)
                self.ranges.append(start..<self.bytes.count)
            }
        }

        static func decode(_ member: Member, in base: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> String {
            var reader = JSONReader(Array(base[(member.name.lowerBound - 1)...member.name.upperBound]))
            return try reader.readString()
        }
    }

    /// The members' names as UTF-8 bytes (escaped ones decoded), for lookups: linear over a few, through a dictionary
    /// of many. Valid while the buffers it was made of are.
    private struct Names {
        private let names: [UnsafeBufferPointer<UInt8>]
        /// For many members: the first and last position of each name, and of the name at each position.
        private let index: [[UInt8]: (first: Int, last: Int)]?
        private let positions: [(first: Int, last: Int)]

        /// - Parameter decoded: `escaped`'s bytes.
        init(_ members: [Member], in base: UnsafeBufferPointer<UInt8>, escaped: EscapedNames, decoded: UnsafeBufferPointer<UInt8>) {
            var names: [UnsafeBufferPointer<UInt8>] = []
            names.reserveCapacity(members.count)
            var next = escaped.ranges.makeIterator()
            for member in members {
                let range = member.escaped ? next.next() : nil
                names.append(UnsafeBufferPointer(rebasing: range.map { decoded[$0] } ?? base[member.name]))
            }
            self.names = names
            if members.count > 12 {
                var index: [[UInt8]: (first: Int, last: Int)] = [:]
                for (position, name) in names.enumerated() {
                    index[Array(name), default: (position, position)].last = position
                }
                self.index = index
                self.positions = names.map { index[Array($0)]! }
            } else {
                self.index = nil
                self.positions = []
            }
        }

        /// Whether two names hold the same bytes: lengths first, then byte by byte (names are short; a generic
        /// `elementsEqual` cost more than the rest of a lookup).
        private static func same(_ one: UnsafeBufferPointer<UInt8>, _ other: UnsafeBufferPointer<UInt8>) -> Bool {
            guard one.count == other.count else { return false }
            for index in 0..<one.count where one[index] != other[index] { return false }
            return true
        }

        /// The first position of the name at `position`.
        func first(of position: Int) -> Int {
            if self.index != nil { return self.positions[position].first }
            return self.names.firstIndex { Self.same($0, self.names[position]) } ?? position
        }

        /// The last position of the name at `position`.
        func last(of position: Int) -> Int {
            if self.index != nil { return self.positions[position].last }
            return self.names.lastIndex { Self.same($0, self.names[position]) } ?? position
        }

        /// The last position of the name `other` holds at `position`, if these names have it.
        func last(named other: Names, _ position: Int) -> Int? {
            let name = other.names[position]
            if let index { return index[Array(name)]?.last }
            return self.names.lastIndex { Self.same($0, name) }
        }
    }
}
