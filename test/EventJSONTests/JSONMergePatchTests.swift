import EventJSON
import Testing

@Suite("JSON Merge Patch (RFC 7396)")
struct JSONMergePatchTests {
    func apply(_ patch: String, to target: String?) throws -> String {
        String(decoding: try JSONMergePatch.apply(Array(patch.utf8), to: target.map { Array($0.utf8) }), as: UTF8.self)
    }

    /// The examples of RFC 7396, appendix A.
    @Test(arguments: [
        (#"{"a":"b"}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"b"}"#, #"{"b":"c"}"#, #"{"a":"b","b":"c"}"#),
        (#"{"a":"b"}"#, #"{"a":null}"#, #"{}"#),
        (#"{"a":"b","b":"c"}"#, #"{"a":null}"#, #"{"b":"c"}"#),
        (#"{"a":["b"]}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"c"}"#, #"{"a":["b"]}"#, #"{"a":["b"]}"#),
        (#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#, #"{"a":{"b":"d"}}"#),
        (#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#, #"{"a":[1]}"#),
        (#"["a","b"]"#, #"["c","d"]"#, #"["c","d"]"#),
        (#"{"a":"b"}"#, #"["c"]"#, #"["c"]"#),
        (#"{"a":"foo"}"#, #"null"#, #"null"#),
        (#"{"a":"foo"}"#, #""bar""#, #""bar""#),
        (#"{"e":null}"#, #"{"a":1}"#, #"{"e":null,"a":1}"#),
        (#"[1,2]"#, #"{"a":"b","c":null}"#, #"{"a":"b"}"#),
        (#"{}"#, #"{"a":{"bb":{"ccc":null}}}"#, #"{"a":{"bb":{}}}"#),
    ])
    func rfcExamples(target: String, patch: String, result: String) throws {
        let merged = try self.apply(patch, to: target)
        #expect(merged == result, "\(merged)")
    }

    @Test func anAbsentTargetTakesThePatchWithoutItsNulls() throws {
        #expect(try self.apply(#"{"a":1,"b":null,"c":{"d":null}}"#, to: nil) == #"{"a":1,"c":{}}"#)
        #expect(try self.apply("[1,null]", to: nil) == "[1,null]")
    }

    @Test func namesCompareByteForByte() throws {
        // A composed é and e with a combining accent are two members, as JSON compares names by code units.
        #expect(try self.apply(#"{"e\#u{301}":2}"#, to: #"{"é":1}"#) == #"{"é":1,"e\#u{301}":2}"#)
        #expect(try self.apply(#"{"e\#u{301}":null}"#, to: #"{"é":1}"#) == #"{"é":1}"#)
    }

    @Test func escapedNamesAndDuplicatesKeepTheLastValue() throws {
        #expect(try self.apply(#"{"a\"b":1,"line\nbreak":2}"#, to: nil) == #"{"a\"b":1,"line\nbreak":2}"#)
        #expect(try self.apply(#"{"a":1,"a":2}"#, to: #"{"a":0,"a":5}"#) == #"{"a":2}"#)
        // An escaped name is the name it decodes to.
        #expect(try self.apply(#"{"\u0061":null,"b":2}"#, to: #"{"a":1,"c":3}"#) == #"{"c":3,"b":2}"#)
        #expect(try self.apply(#"{"a":{"x":1}}"#, to: #"{"\u0061":{"y":2}}"#) == #"{"a":{"y":2,"x":1}}"#)
    }

    @Test func manyMembersAreLookedUpByName() throws {
        let target = "{" + (0..<100).map { #""k\#($0)":\#($0)"# }.joined(separator: ",") + "}"
        let patch = "{" + (0..<100).filter { $0 % 2 == 0 }.map { #""k\#($0)":null"# }.joined(separator: ",") + #","new":true}"#
        let expected = "{" + (0..<100).filter { $0 % 2 == 1 }.map { #""k\#($0)":\#($0)"# }.joined(separator: ",") + #","new":true}"#
        #expect(try self.apply(patch, to: target) == expected)
        // Escaped names and duplicates among many: `\u006b3` is `k3` again.
        let escapedTarget = "{" + (0..<20).map { #""k\#($0)":\#($0)"# }.joined(separator: ",") + #","\u006b3":"again"}"#
        let escapedExpected = "{" + (0..<20).filter { $0 != 3 }.map { #""k\#($0)":\#($0 == 5 ? "\"five\"" : "\($0)")"# }.joined(separator: ",") + "}"
        #expect(try self.apply(#"{"k3":null,"\u006b5":"five"}"#, to: escapedTarget) == escapedExpected)
        let patchedAgain = "{" + (0..<20).map { #""k\#($0)":\#($0 == 3 ? #"{"x":1}"# : "\($0)")"# }.joined(separator: ",") + "}"
        #expect(try self.apply(#"{"\u006b3":{"x":1}}"#, to: escapedTarget) == patchedAgain)
    }

    @Test func malformedJSONIsRefused() {
        #expect(throws: JSONParseError.self) { try self.apply(#"{"a":"#, to: nil) }
        #expect(throws: JSONParseError.self) { try self.apply(#"{"a":1}"#, to: #"{"a":"#) }
    }
}
