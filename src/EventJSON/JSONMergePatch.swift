/// JSON Merge Patch (RFC 7396) over compact JSON bytes.
///
/// The result is written in one pass: only the objects a patch reaches are parsed (one level at a time), every other
/// value and every name without an escape is copied as its bytes, and nothing is copied out of the inputs on the
/// way. Member order: the target's members in their order, then those the patch adds. Names compare by what they
/// decode to, byte for byte (a composed `é` and `e` with a combining accent are two names).
public enum JSONMergePatch {
    /// The target after applying `patch`; `target` nil is an absent value.
    /// - Throws: `JSONParseError` when either is not well-formed JSON.
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
        var reader = JSONReader(patch.base, at: patch.range.lowerBound)
        guard try reader.peekKind() == .object else {
            writer.raw(Self.trimmed(patch.base[patch.range]))
            return
        }
        let patchMembers = try Self.members(&reader, in: patch.base)
        var targetMembers: [Member] = []
        if let target {
            var targetReader = JSONReader(target.base, at: target.range.lowerBound)
            if try targetReader.peekKind() == .object { targetMembers = try Self.members(&targetReader, in: target.base) }
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

    private static func members(_ reader: inout JSONReader, in base: [UInt8]) throws(JSONParseError) -> [Member] {
        var members: [Member] = []
        try reader.readObjectRawNames { name, escaped, reader throws(JSONParseError) in
            let value = try reader.readRawValue()
            members.append(Member(name: name, escaped: escaped, value: value.startIndex..<value.endIndex))
        }
        return members
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
