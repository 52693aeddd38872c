/// JSON Merge Patch (RFC 7396) over compact JSON bytes.
///
/// Only the objects a patch reaches are parsed (one level at a time); every other value is copied as its bytes.
/// Member order is kept: members of the target first, in their order, then those the patch adds. Every step is
/// linear in the sizes of the target and the patch.
public enum JSONMergePatch {
    /// The target after applying `patch`; `target` nil is an absent value.
    /// - Throws: `JSONParseError` when either is not well-formed JSON.
    public static func apply(_ patch: ArraySlice<UInt8>, to target: ArraySlice<UInt8>?) throws(JSONParseError) -> [UInt8] {
        var reader = JSONReader(Array(patch))
        guard try reader.peekKind() == .object else { return Array(Self.trimmed(patch)) }
        var members = try target.map(Self.members(ofObject:)) ?? Members()
        var patchMembers: [(String, ArraySlice<UInt8>)] = []
        try reader.readObjectAllowingDuplicates { name, reader throws(JSONParseError) in
            patchMembers.append((name, try reader.readRawValue()))
        }
        for (name, value) in patchMembers {
            let name = Array(name.utf8)
            if value.elementsEqual("null".utf8) {
                members.remove(name)
            } else {
                members.set(name, try Self.apply(value, to: members.value(of: name)))
            }
        }
        var writer = JSONWriter(capacity: 64)
        writer.raw("{")
        var first = true
        for (name, value) in members.inOrder {
            if !first { writer.raw(",") }
            first = false
            writer.string(String(decoding: name, as: UTF8.self))
            writer.raw(":")
            writer.raw(value)
        }
        writer.raw("}")
        return writer.bytes
    }

    /// An object's members in order (the last of duplicate keys wins, at the first one's place); a value that is not
    /// an object has none (the patch replaces it with an object).
    private static func members(ofObject json: ArraySlice<UInt8>) throws(JSONParseError) -> Members {
        var reader = JSONReader(Array(json))
        var members = Members()
        guard try reader.peekKind() == .object else { return members }
        try reader.readObjectAllowingDuplicates { name, reader throws(JSONParseError) in
            members.set(Array(name.utf8), Array(try reader.readRawValue()))
        }
        return members
    }

    private static func trimmed(_ json: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        guard let first = json.firstIndex(where: { !isSpace($0) }), let last = json.lastIndex(where: { !isSpace($0) }) else { return json }
        return json[first...last]
    }

    /// Object members by name, in order. Names compare by their UTF-8 bytes (a composed `é` and `e` with a combining
    /// accent are two members), which Swift's `String` equality would not do. A few members are found by a linear
    /// search; more, through an index. A removal leaves a hole, so it costs no shifting.
    private struct Members {
        private var names: [[UInt8]?] = []
        private var values: [[UInt8]] = []
        private var index: [[UInt8]: Int]?
        private static let linearLimit = 12

        func value(of name: [UInt8]) -> ArraySlice<UInt8>? {
            self.position(of: name).map { self.values[$0][...] }
        }

        mutating func set(_ name: [UInt8], _ value: [UInt8]) {
            if let position = self.position(of: name) {
                self.values[position] = value
                return
            }
            self.names.append(name)
            self.values.append(value)
            if self.index != nil {
                self.index?[name] = self.names.count - 1
            } else if self.names.count > Self.linearLimit {
                var index: [[UInt8]: Int] = [:]
                for (position, name) in self.names.enumerated() {
                    if let name { index[name] = position }
                }
                self.index = index
            }
        }

        mutating func remove(_ name: [UInt8]) {
            guard let position = self.position(of: name) else { return }
            self.names[position] = nil
            self.index?.removeValue(forKey: name)
        }

        var inOrder: [(name: [UInt8], value: [UInt8])] {
            zip(self.names, self.values).compactMap { name, value in name.map { ($0, value) } }
        }

        private func position(of name: [UInt8]) -> Int? {
            if let index = self.index { return index[name] }
            return self.names.firstIndex { $0 == name }
        }
    }
}
