#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What a projection's blobs hold, in one small block blob changed only with `If-Match` on its ETag: the
/// definition's fingerprint, its generations and their logs, the served one, and the rebuild lease.
struct BlobProjectionManifest: Codable, Equatable, Sendable {
    struct Generation: Codable, Equatable, Sendable {
        var number: Int64
        /// The blob name of its log.
        var log: String
    }

    struct Lease: Codable, Equatable, Sendable {
        var holder: String
        /// Seconds since 1970.
        var expires: Double
    }

    var fingerprint: String?
    /// The last generation number given out: kept across drops, so numbers are never reused.
    var lastGeneration: Int64 = 0
    var served: Int64?
    var generations: [Generation] = []
    var lease: Lease?

    enum CodingKeys: String, CodingKey {
        case fingerprint
        case lastGeneration = "last_generation"
        case served
        case generations
        case lease
    }

    func log(of generation: Int64) -> String? {
        self.generations.first { $0.number == generation }?.log
    }

    /// Removes the generations `keep` rejects; the served one goes too if it is among them.
    /// - Returns: the logs of those removed.
    mutating func removeGenerations(keeping keep: (Generation) -> Bool) -> [String] {
        let removed = self.generations.filter { !keep($0) }
        self.generations.removeAll { !keep($0) }
        if let served = self.served, self.log(of: served) == nil { self.served = nil }
        return removed.map(\.log)
    }
}
