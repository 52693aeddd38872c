public import EventStoreCore
public import Logging
public import NIOPosix
import POSIXFiles
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The topic catalog as one JSON file, `catalog.json` in the data directory.
///
/// Every change rewrites the whole file atomically: a temporary file is written and fsync'd, renamed over the
/// catalog, and the directory is fsync'd, so a crash leaves either the old catalog or the new one. The file holds
/// connection secrets, so it is created readable by its owner only (0600). File I/O runs on a `NIOThreadPool`,
/// never on Swift's cooperative pool.
public final class FileSystemTopicCatalog: TopicCatalog {
    /// The catalog file's path.
    public let path: String
    private let directory: String
    private let threadPool: NIOThreadPool
    /// The catalog as last read or written; nil until first needed. Held during file I/O, on pool threads only.
    private let cache = Mutex<[TopicName: TopicConfiguration]?>(nil)

    /// - Parameters:
    ///   - directory: the data directory; created (with parents) on the first write if missing.
    ///   - threadPool: where the blocking file calls run.
    public init(directory: String, threadPool: NIOThreadPool = .singleton) {
        self.directory = directory
        self.path = directory.hasSuffix("/") ? directory + "catalog.json" : directory + "/catalog.json"
        self.threadPool = threadPool
    }

    public func load(logger: Logger) async throws -> [TopicConfiguration] {
        try await self.threadPool.runIfActive {
            try self.cache.withLock { cache in
                let configurations = try cache ?? self.readFile()
                cache = configurations
                return configurations.values.sorted { $0.name < $1.name }
            }
        }
    }

    public func add(_ configuration: TopicConfiguration, logger: Logger) async throws -> CatalogAddition {
        try await self.update(logger: logger) { configurations in
            if let stored = configurations[configuration.name] { return .alreadyStored(stored) }
            configurations[configuration.name] = configuration
            return .added
        }
    }

    public func replace(_ configuration: TopicConfiguration, logger: Logger) async throws {
        let replaced = try await self.update(logger: logger) { configurations -> Bool in
            guard configurations[configuration.name] != nil else { return false }
            configurations[configuration.name] = configuration
            return true
        }
        guard replaced else { throw EventStoreError(.topicNotFound, "topic '\(configuration.name)' is not in the catalog") }
    }

    public func remove(_ name: TopicName, logger: Logger) async throws {
        _ = try await self.update(logger: logger) { $0.removeValue(forKey: name) }
    }

    /// Applies `change` and rewrites the file when it changed anything.
    private func update<Outcome: Sendable>(
        logger: Logger,
        _ change: @escaping @Sendable (inout [TopicName: TopicConfiguration]) -> Outcome
    ) async throws -> Outcome {
        try await self.threadPool.runIfActive {
            try self.cache.withLock { cache in
                let before = try cache ?? self.readFile()
                var configurations = before
                let outcome = change(&configurations)
                if configurations != before {
                    try self.writeFile(configurations)
                    logger.debug("Wrote topic catalog", metadata: ["path": "\(self.path)"])
                }
                cache = configurations
                return outcome
            }
        }
    }

    private func readFile() throws -> [TopicName: TopicConfiguration] {
        guard let bytes = try PosixFile.readIfExists(self.path) else { return [:] }
        let document: CatalogDocument
        do {
            document = try JSONDecoder().decode(CatalogDocument.self, from: Data(bytes))
        } catch {
            throw CatalogError(message: "the topic catalog \(self.path) is not valid (\(error)); fix or move it, it is never overwritten")
        }
        guard document.version == CatalogDocument.currentVersion else {
            throw CatalogError(
                message: "the topic catalog \(self.path) has version \(document.version); this build reads version \(CatalogDocument.currentVersion)"
            )
        }
        return Dictionary(document.topics.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
    }

    private func writeFile(_ configurations: [TopicName: TopicConfiguration]) throws {
        let document = CatalogDocument(version: CatalogDocument.currentVersion, topics: configurations.values.sorted { $0.name < $1.name })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let bytes = Array(try encoder.encode(document))
        try PosixFile.createDirectories(self.directory)
        try PosixFile.writeAtomically(bytes, to: self.path, directory: self.directory, permissions: 0o600)
    }
}

/// The catalog file's layout.
struct CatalogDocument: Codable {
    static let currentVersion = 1
    var version: Int
    var topics: [TopicConfiguration]
}

/// The catalog file cannot be used.
public struct CatalogError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { self.message }
}
