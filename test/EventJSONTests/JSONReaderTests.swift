import Testing

@testable import EventJSON

@Suite struct JSONReaderTests {
    @Test(arguments: [
        "null", "true", "false", "0", "-0", "12", "-3.25", "1e10", "2.5E-3", "\"\"", "\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"",
        "\"\\u00e9\\ud83d\\ude00\"", "[]", "{}", "[1,[2,[3]],{\"a\":{\"b\":null}}]", " { \"k\" : [ 1 , 2 ] } ", "\"é😀\"",
    ])
    func acceptsValidJSON(_ text: String) throws {
        var reader = JSONReader(Array(text.utf8))
        let raw = try reader.readRawValue()
        try reader.expectEnd()
        #expect(String(decoding: raw, as: UTF8.self) == text.trimmingSpaces())
    }

    @Test(arguments: [
        "", "nul", "tru", "01", "-", "1.", ".5", "1e", "+1", "NaN", "\"unterminated", "\"bad \\x escape\"", "\"\\u12\"",
        "\"\\ud800\"", "\"\\udc00\"", "\"\\ud800\\u0041\"", "[1,]", "[1 2]", "{\"a\" 1}", "{\"a\":1,}", "{a:1}", "{\"a\":1}x",
        "[", "{", "\"tab\there\"", "'single'",
    ])
    func refusesInvalidJSON(_ text: String) {
        #expect(throws: JSONParseError.self) {
            var reader = JSONReader(Array(text.utf8))
            _ = try reader.readRawValue()
            try reader.expectEnd()
        }
    }

    @Test func refusesInvalidUTF8() {
        let overlong: [UInt8] = [0x22, 0xC0, 0xAF, 0x22]
        let afterAnEscape: [UInt8] = [0x22, 0x5C, 0x6E, 0xFF, 0x22]
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC3, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], overlong, afterAnEscape] {
            #expect(throws: JSONParseError.self) {
                var reader = JSONReader(bytes)
                _ = try reader.readRawValue()
            }
            #expect(throws: JSONParseError.self) {
                var reader = JSONReader(bytes)
                _ = try reader.readString()
            }
        }
    }

    @Test func keepsTheReplacementCharacterWhenItWasSent() throws {
        var reader = JSONReader(Array("\"a\u{FFFD}b\"".utf8))
        #expect(try reader.readString() == "a\u{FFFD}b")
    }

    @Test func refusesDuplicateFieldsButKeepsOpaqueValuesAsSent() throws {
        var fields = JSONReader(Array(#"{"a":1,"a":2}"#.utf8))
        let error = #expect(throws: JSONParseError.self) {
            try fields.readObject { _, reader throws(JSONParseError) in try reader.skipValue() }
        }
        #expect(error?.message == "duplicate field 'a'")
        var opaque = JSONReader(Array(#"{"a":1,"a":2}"#.utf8))
        #expect(String(decoding: try opaque.readRawValue(), as: UTF8.self) == #"{"a":1,"a":2}"#)
    }

    @Test func decodesEscapesInStrings() throws {
        var reader = JSONReader(Array(#""a\nb\u00e9\ud83d\ude00\"""#.utf8))
        #expect(try reader.readString() == "a\nbé😀\"")
    }

    @Test func limitsNesting() {
        let deep = String(repeating: "[", count: JSONReader.maximumDepth + 1) + String(repeating: "]", count: JSONReader.maximumDepth + 1)
        let error = #expect(throws: JSONParseError.self) {
            var reader = JSONReader(Array(deep.utf8))
            _ = try reader.readRawValue()
        }
        #expect(error?.message.contains("nesting") == true)
        let fine = String(repeating: "[", count: JSONReader.maximumDepth) + String(repeating: "]", count: JSONReader.maximumDepth)
        var reader = JSONReader(Array(fine.utf8))
        #expect(throws: Never.self) { _ = try reader.readRawValue() }
    }

    /// Integers as JSON Schema counts them: whole numbers, however written.
    @Test func readsIntegersOnly() throws {
        var reader = JSONReader(Array("9223372036854775807".utf8))
        #expect(try reader.readInt64() == .max)
        for (text, value) in [("196.0", Int64(196)), ("-3.000", -3), ("1e3", 1000), ("2.5E1", 25), ("9223372036854775807.0", .max), ("-0.0", 0)] {
            var reader = JSONReader(Array(text.utf8))
            #expect(try reader.readInt64() == value, "\(text)")
        }
        for text in ["1.5", "1.0000001", "9223372036854775808", "9223372036854775808.0", "1e300", "1e-3", "9.007199254740993e15"] {
            var reader = JSONReader(Array(text.utf8))
            #expect(throws: JSONParseError.self) { try reader.readInt64() }
        }
    }
}

extension String {
    fileprivate func trimmingSpaces() -> String {
        String(self.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }

    @Test func aRawValueSaysWhetherWhitespaceStoodBetweenItsTokens() throws {
        var compact = JSONReader(Array(#"  {"a":[1,"b c"]} "#.utf8))
        let (bytes, spaced) = try compact.readRawValueNotingWhitespace()
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"a":[1,"b c"]}"#)
        #expect(!spaced, "whitespace before the value and inside a string does not count")
        var pretty = JSONReader(Array("{\"a\":\n [1]}".utf8))
        #expect(try pretty.readRawValueNotingWhitespace().hasWhitespace)
    }
}
