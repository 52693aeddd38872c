import EventStoreCore
import Testing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

@Suite struct TimeOrderedUUIDTests {
    @Test func carriesTheTimeVersionSevenAndTheRFCVariant() {
        let id = UUID.timeOrdered(at: Date(timeIntervalSince1970: 1_795_000_000.123))
        let bytes = withUnsafeBytes(of: id.uuid) { Array($0) }
        let milliseconds = bytes[0..<6].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        #expect(milliseconds == 1_795_000_000_123)
        #expect(bytes[6] >> 4 == 7, "version 7")
        #expect(bytes[8] >> 6 == 0b10, "RFC 9562 variant")
    }

    @Test func idsOfLaterMillisecondsSortAfterAndAllDiffer() {
        let start = Date(timeIntervalSince1970: 1_795_000_000)
        let ids = (0..<1000).map { UUID.timeOrdered(at: start.addingTimeInterval(Double($0) * 0.002)) }
        #expect(Set(ids).count == 1000)
        #expect(ids.map(\.uuidString) == ids.map(\.uuidString).sorted())
        let sameMillisecond = (0..<1000).map { _ in UUID.timeOrdered(at: start) }
        #expect(Set(sameMillisecond).count == 1000, "74 random bits tell ids of one millisecond apart")
    }
}
