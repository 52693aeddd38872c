import EventStoreCore
import Testing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@Suite struct UUIDCanonicalTextTests {
    @Test func readsWhatFoundationReadsInEitherCase() {
        for _ in 0..<200 {
            let id = UUID()
            #expect(UUID(canonical: id.uuidString) == id)
            #expect(UUID(canonicalUTF8: Array(id.uuidString.lowercased().utf8)[...]) == id)
        }
        #expect(UUID(canonical: "00000000-0000-0000-0000-000000000000") == UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)))
    }

    @Test(arguments: [
        "",
        "not-a-uuid",
        "0af7651916cd43dd8448eb211c80319c",  // no hyphens
        "0af76519-16cd-43dd-8448-eb211c80319",  // one digit short
        "0af76519-16cd-43dd-8448-eb211c80319cc",  // one too many
        "0af76519-16cd-43dd-8448_eb211c80319c",  // wrong separator
        "0af76519-16cd-43dd-8448-eb211c80319g",  // not hexadecimal
        "{0af76519-16cd-43dd-8448-eb211c80319}",
        "0af76519-16cd-43dd-8448-eb211c8031é",
    ])
    func refusesAnythingElse(_ text: String) {
        #expect(UUID(canonical: text) == nil)
        #expect(UUID(canonicalUTF8: Array(text.utf8)[...]) == nil)
        #expect(UUID(uuidString: text) == nil, "Foundation agrees")
    }
}
