/// JSON Merge Patch (RFC 7396) over compact JSON bytes.
///
/// Only the objects a patch reaches are parsed (one level at a time); every other value is copied as its bytes.
/// Member order is kept: members of the target first, in their order, then those the patch adds.
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
            if value.elementsEqual("null".utf8) {
                members.remove(name)
            } else {
                members.set(name, try Self.apply(value, to: members.value(of: name)))
            }
        }
        var writer = JSONWriter(capacity: 64)
        writer.raw("{")
        for (index, name) in members.order.enumerated() {
            if index > 0 { writer.raw(",") }
            writer.string(String(decoding: name, as: UTF8.self))
            writer.raw(":")
            writer.raw(members.values[name] ?? [])
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
            members.set(name, Array(try reader.readRawValue()))
        }
        return members
    }

    private static func trimmed(_ json: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        guard let first = json.firstIndex(where: { !isSpace($0) }), let last = json.lastIndex(where: { !isSpace($0) }) else { return json }
        return json[first...last]
    }

    /// Object members by name, in order. Names compare by their UTF-8 bytes (a composed `é` and `e` with a combining
    /// accent are two members), which Swift's `String` equality would not do.
    private struct Members {
        var order: [[UInt8]] = []
        var values: [[UInt8]: [UInt8]] = [:]

        func value(of name: String) -> ArraySlice<UInt8>? {
            self.values[Array(name.utf8)].map { $0[...] }
        }

        mutating func set(_ name: String, _ value: [UInt8]) {
            let name = Array(name.utf8)
            if self.values.updateValue(value, forKey: name) == nil { self.order.append(name) }
        }

        mutating func remove(_ name: String) {
            let name = Array(name.utf8)
            guard self.values.removeValue(forKey: name) != nil else { return }
            self.order.removeAll { $0 == name }
        }
    }
}
