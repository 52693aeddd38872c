import EventStoreCore
import Testing

@Suite struct RawJSONTests {
    @Test(arguments: [
        ("{\n  \"a\" : 1,\r\n\t\"b\": [true ,\n null]\n}", #"{"a":1,"b":[true,null]}"#),
        ("  42\n", "42"),
        (#"{"text": "keeps  inner   spaces"}"#, #"{"text":"keeps  inner   spaces"}"#),
        (#"{"q": "a \" quote, then : and , and { } [ ]", "n": 2}"#, #"{"q":"a \" quote, then : and , and { } [ ]","n":2}"#),
        (#"["ends with a backslash \\", "next"]"#, #"["ends with a backslash \\","next"]"#),
        (#"{"escaped": "line\nbreak\ttab\r\n"}"#, #"{"escaped":"line\nbreak\ttab\r\n"}"#),
        ("[\"ü é 😀\" , 1.5e-3 ]", "[\"ü é 😀\",1.5e-3]"),
    ])
    func whitespaceBetweenTokensIsRemovedAndStringsAreKept(_ input: String, _ compact: String) {
        let json = RawJSON(validatedBytes: Array(input.utf8))
        #expect(String(decoding: json.bytes, as: UTF8.self) == compact)
        #expect(!json.bytes.contains(UInt8(ascii: "\n")), "no raw line break is left to split a line-framed record")
    }

    @Test func compactJSONIsKeptAsItIs() {
        let compact = Array(#"{"a":[1,2,{"b":"c d"}]}"#.utf8)
        #expect(RawJSON(validatedBytes: compact).bytes == compact)
    }

    @Test func storedBytesAreServedAsTheyAre() {
        let stored = Array(#"{"written": "before the rule"}"#.utf8)
        #expect(RawJSON(storedBytes: stored).bytes == stored)
    }
}
