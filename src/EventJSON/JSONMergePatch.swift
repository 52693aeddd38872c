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
        try Self.merge(Value(base: patch, range: 0..<patch.count), into: target.map { Value(base: $0, range: 0..<$0.count) }, writer: &writer)
        return writer.bytes
    }

    /// A JSON value inside a buffer that is shared, not copied.
    private struct Value {
        let base: [UInt8]
        let range: Range<Int>

        var isNull: Bool { self.base[self.range].elementsEqual("null".utf8) }
    }

    /// One member of an object: its name's raw bytes (between the quotes), whether they hold an escape, its value.
    private struct Member {
        let name: Range<Int>
        let escaped: Bool
        let value: Range<Int>
    }

    private static func merge(_ patch: Value, into target: Value?, writer: inout JSONWriter) throws(JSONParseError) {
        let trimmedPatch = Self.trimmed(patch.base[patch.range])
        guard trimmedPatch.first == UInt8(ascii: "{") else {
            writer.raw(trimmedPatch)
            return
        }
        let patchMembers = try Self.members(of: trimmedPatch.startIndex..<trimmedPatch.endIndex, in: patch.base)
        var targetMembers: [Member] = []
        if let target {
            let trimmedTarget = Self.trimmed(target.base[target.range])
            if trimmedTarget.first == UInt8(ascii: "{") {
                targetMembers = try Self.members(of: trimmedTarget.startIndex..<trimmedTarget.endIndex, in: target.base)
            }
        }
        let patchNames = try Names(patchMembers, in: patch.base)
        let targetNames = try Names(targetMembers, in: target?.base ?? [])
        writer.raw("{")
        var first = true
        // The target's members, each once (the last of duplicates wins, at the first one's place), patched.
        for (position, member) in targetMembers.enumerated() where targetNames.first(of: position) == position {
            let value = targetMembers[targetNames.last(of: position)].value
            let patched = try patchNames.last(named: targetNames, position)
            if let patched, Value(base: patch.base, range: patchMembers[patched].value).isNull { continue }
            if !first { writer.raw(",") }
            first = false
            try Self.writeName(member, in: target?.base ?? [], to: &writer)
            if let patched {
                try Self.merge(Value(base: patch.base, range: patchMembers[patched].value), into: Value(base: target?.base ?? [], range: value), writer: &writer)
            } else {
                writer.raw((target?.base ?? [])[value])
            }
        }
        // The patch's new members (the last of duplicates), their nulls dropped.
        for (position, member) in patchMembers.enumerated() where patchNames.last(of: position) == position {
            guard try targetNames.last(named: patchNames, position) == nil else { continue }
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
    private static func members(of range: Range<Int>, in base: [UInt8]) throws(JSONParseError) -> [Member] {
        var members: [Member] = []
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

    private static func skipSpace(_ base: [UInt8], _ start: Int, _ end: Int) -> Int {
        var index = start
        while index < end, base[index] == 0x20 || base[index] == 0x0A || base[index] == 0x0D || base[index] == 0x09 { index += 1 }
        return index
    }

    /// Just past the string that starts at `start` (its opening quote), and whether it holds an escape.
    private static func endOfString(_ base: [UInt8], _ start: Int, _ end: Int) throws(JSONParseError) -> (Int, Bool) {
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
    private static func endOfValue(_ base: [UInt8], _ start: Int, _ end: Int) throws(JSONParseError) -> Int {
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

    private static func writeName(_ member: Member, in base: [UInt8], to writer: inout JSONWriter) throws(JSONParseError) {
        if member.escaped {
            writer.string(try Names.decode(member, in: base))
        } else {
            writer.raw("\"")
            writer.raw(base[member.name])
            writer.raw("\"")
        }
        writer.raw(":")
    }

    private static func trimmed(_ json: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        guard let first = json.firstIndex(where: { !isSpace($0) }), let last = json.lastIndex(where: { !isSpace($0) }) else { return json }
        return json[first...last]
    }

    /// The members' names, decoded only when escaped, for lookups: linear over a few, through a dictionary of many.
    private struct Names {
        /// Each member's name as UTF-8 bytes.
        private let names: [ArraySlice<UInt8>]
        /// For many members: the first and last position of each name.
        private let index: [ArraySlice<UInt8>: (first: Int, last: Int)]?

        init(_ members: [Member], in base: [UInt8]) throws(JSONParseError) {
            var names: [ArraySlice<UInt8>] = []
            names.reserveCapacity(members.count)
            for member in members {
                names.append(member.escaped ? Array(try Self.decode(member, in: base).utf8)[...] : base[member.name])
            }
            self.names = names
            if members.count > 12 {
                var index: [ArraySlice<UInt8>: (first: Int, last: Int)] = [:]
                for (position, name) in names.enumerated() {
                    index[name] = (index[name]?.first ?? position, position)
                }
                self.index = index
            } else {
                self.index = nil
            }
        }

        static func decode(_ member: Member, in base: [UInt8]) throws(JSONParseError) -> String {
            var reader = JSONReader(base, at: member.name.lowerBound - 1)
            return try reader.readString()
        }

        /// The first position of the name at `position`.
        func first(of position: Int) -> Int {
            if let index { return index[self.names[position]]?.first ?? position }
            return self.names.firstIndex { $0.elementsEqual(self.names[position]) } ?? position
        }

        /// The last position of the name at `position`.
        func last(of position: Int) -> Int {
            if let index { return index[self.names[position]]?.last ?? position }
            return self.names.lastIndex { $0.elementsEqual(self.names[position]) } ?? position
        }

        /// The last position of the name `other` holds at `position`, if these names have it.
        func last(named other: Names, _ position: Int) throws(JSONParseError) -> Int? {
            let name = other.names[position]
            if let index { return index[name]?.last }
            return self.names.lastIndex { $0.elementsEqual(name) }
        }
    }
}
