import EventStoreTesting
import MemoryStorage
import Testing

@Suite("Memory projection store")
struct MemoryProjectionStoreTests {
    @Test(arguments: ProjectionStoreConformance.Check.allCases)
    func conformance(_ check: ProjectionStoreConformance.Check) async throws {
        try await ProjectionStoreConformance { MemoryProjectionStore() }.run(check)
    }
}
