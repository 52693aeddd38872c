import EventStoreCore
import Foundation
import Testing

@testable import HTTPAPI

@Suite struct AccessTokensTests {
    @Test func aTokenFromTheFileIsRecognisedAndNothingElse() throws {
        let (token, sha256) = AccessTokens.generate()
        #expect(token.count >= AccessTokens.minimumTokenLength)
        let tokens = try AccessTokens(json: Data(#"[{"name": "ci", "role": "writer", "topics": ["orders-*"], "sha256": "\#(sha256)"}]"#.utf8))
        let caller = try #require(tokens.caller(presenting: token[...]))
        #expect(caller.name == "ci" && caller.role == .writer)
        let eu = try TopicName("orders-eu")
        let billing = try TopicName("billing")
        #expect(caller.mayUse(eu))
        #expect(!caller.mayUse(billing))
        #expect(tokens.caller(presenting: (token.dropLast() + "x")[...]) == nil)
        #expect(tokens.caller(presenting: "short") == nil, "a short token is refused without hashing")
        #expect(tokens.caller(presenting: "") == nil)
    }

    @Test func rolesNest() {
        #expect(Role.reader < .writer && Role.writer < .admin)
        #expect(!(Role.admin < .reader))
    }

    @Test func topicPatternsAreNamesOrPrefixes() throws {
        let orders = try TopicName("orders")
        let eu = try TopicName("orders-eu")
        #expect(try TopicPattern("orders").matches(orders))
        #expect(try !TopicPattern("orders").matches(eu))
        #expect(try TopicPattern("orders-*").matches(eu))
        #expect(try TopicPattern("*").matches(orders))
        for text in ["", "a b", "-x", "a*b", "**", "x/y*"] {
            #expect(throws: AccessConfigurationError.self, "\(text)") { try TopicPattern(text) }
        }
    }

    @Test func aFileWithDuplicateNamesOrBadHashesIsRefused() {
        let hash = String(repeating: "a", count: 64)
        for json in [
            #"[{"name": "x", "role": "admin", "sha256": "\#(hash)"}, {"name": "x", "role": "reader", "sha256": "\#(hash)"}]"#,
            #"[{"name": "x", "role": "admin", "sha256": "\#(hash.dropLast())g"}]"#,
            #"[{"name": "", "role": "admin", "sha256": "\#(hash)"}]"#,
            #"[{"name": "x\n", "role": "admin", "sha256": "\#(hash)"}]"#,
        ] {
            #expect(throws: AccessConfigurationError.self, "\(json)") { try AccessTokens(json: Data(json.utf8)) }
        }
    }
}
