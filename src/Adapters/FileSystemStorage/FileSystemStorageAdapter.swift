public import EventStoreCore
public import Logging
public import NIOPosix
import POSIXFiles
import SQLiteProjections

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The `fs` adapter: a topic is the directory `<connection>/<topic>/` of JSON Lines segment files.
///
/// Options (strings): `createDirIfNotExist` (`true`/`false`, default false: a missing `connection` directory is
/// refused), `segmentBytes` (default 64 MiB; a client may choose 1 MiB to 1 GiB).
///
/// Confinement: a topic's `connection` must resolve (symbolic links and `..` resolved) inside one of the allowed
/// roots, and never inside another topic's directory; the topic's directory may not be the server's own directory,
/// hold it, or take the name of a file of the server's. A topic stored before these rules, in the server's
/// directory outside the roots, opens where it is.
public struct FileSystemStorageAdapter: StorageAdapter {
    public static let knownOptions: Set<String> = ["createDirIfNotExist", "segmentBytes"]
    /// The segment sizes a client may choose; smaller ones are for tests, through ``FileSystemEventLog/Options``.
    public static let segmentBytesRange: ClosedRange<Int64> = (1 << 20)...(1 << 30)

    /// Directories (resolved) inside which topics may live.
    public let allowedRoots: [String]
    /// The server's own directory (resolved): no topic lives in it, holds it or shadows its files, except the
    /// topics already stored there before the allowed roots moved out of it.
    public let serverDirectory: String?
    public let defaults: FileSystemEventLog.Options
    private let threadPool: NIOThreadPool
    /// Runs the projection databases' calls, apart from the topics' appends and reads.
    private let projectionThreadPool: NIOThreadPool

    /// - Parameters:
    ///   - allowedRoots: directories topics may live in; each is resolved (and created if missing).
    ///   - serverDirectory: the directory of the server's own files (its catalog), guarded as described above.
    ///   - threadPool: runs every blocking file call.
    ///   - projectionThreadPool: runs the projection databases' calls (which may wait for another process's lock),
    ///     so they never hold up appends; `threadPool` when nil.
    public init(
        allowedRoots: [String],
        serverDirectory: String? = nil,
        defaults: FileSystemEventLog.Options = .init(),
        threadPool: NIOThreadPool,
        projectionThreadPool: NIOThreadPool? = nil
    ) throws {
        self.allowedRoots = try allowedRoots.map(Self.createAndResolve)
        self.serverDirectory = try serverDirectory.map(Self.createAndResolve)
        self.defaults = defaults
        self.threadPool = threadPool
        self.projectionThreadPool = projectionThreadPool ?? threadPool
    }

    private static func createAndResolve(_ directory: String) throws -> String {
        try PosixFile.createDirectories(directory)
        guard let resolved = Self.resolve(directory) else { throw PosixFile.SystemError(operation: "realpath", path: directory, code: errno) }
        return resolved
    }

    public var kind: AdapterKind { .fileSystem }

    /// Checks the options; the `connection` directory is checked (on the thread pool) before a new topic is
    /// created and when the log is opened.
    public func validate(_ configuration: TopicConfiguration) throws {
        _ = try self.options(for: configuration)
    }

    /// Checks a new topic's place with the rules only new topics follow (see ``topicDirectory(for:creating:)``).
    public func prepare(_ configuration: TopicConfiguration, logger: Logger) async throws {
        _ = try await self.threadPool.runIfActive { try self.topicDirectory(for: configuration, creating: true) }
    }

    public func openLog(for configuration: TopicConfiguration, logger: Logger) async throws -> any EventLog {
        let options = try self.options(for: configuration)
        let directory = try await self.threadPool.runIfActive { try self.topicDirectory(for: configuration, creating: false) }
        return try await FileSystemEventLog.open(
            directory: directory,
            topic: configuration.name.rawValue,
            options: options,
            threadPool: self.threadPool,
            logger: logger
        )
    }

    /// A read-only view of the topic up to the head its writer made durable, opened without the writer's lock and
    /// without repairing anything (see ``FileSystemSnapshot``): what `eventstore-replay` reads.
    public func openSnapshot(for configuration: TopicConfiguration, logger: Logger) async throws -> any EventLog {
        let options = try self.options(for: configuration)
        let directory = try await self.threadPool.runIfActive { try self.topicDirectory(for: configuration, creating: false) }
        return try await FileSystemSnapshot.open(
            directory: directory,
            topic: configuration.name.rawValue,
            options: options,
            threadPool: self.threadPool,
            logger: logger
        )
    }

    /// The topic's read models in `projections.sqlite` beside its segments.
    public func openProjectionStore(for configuration: TopicConfiguration, logger: Logger) async throws -> (any ProjectionStore)? {
        let directory = try await self.threadPool.runIfActive { try self.topicDirectory(for: configuration, creating: false) }
        do {
            return try await SQLiteProjectionStore.open(path: directory + "/" + SQLiteProjectionStore.fileName, threadPool: self.projectionThreadPool)
        } catch {
            logger.error("Opening the projection database failed", metadata: ["topic": "\(configuration.name)", "error": "\(error)"])
            throw EventStoreError(.storageUnavailable, "the projection database of topic '\(configuration.name)' could not be opened")
        }
    }

    private func options(for configuration: TopicConfiguration) throws(EventStoreError) -> FileSystemEventLog.Options {
        if let unknown = configuration.options.keys.filter({ !Self.knownOptions.contains($0) }).sorted().first {
            throw EventStoreError(.unsupportedConfiguration, "unknown fs option '\(unknown)'; known: createDirIfNotExist, segmentBytes")
        }
        if let create = configuration.options["createDirIfNotExist"], create != "true", create != "false" {
            throw EventStoreError(.unsupportedConfiguration, "options.createDirIfNotExist must be \"true\" or \"false\"")
        }
        var options = self.defaults
        if let text = configuration.options["segmentBytes"] {
            guard let bytes = Int64(text), Self.segmentBytesRange.contains(bytes) else {
                throw EventStoreError(
                    .unsupportedConfiguration,
                    "options.segmentBytes must be an integer from \(Self.segmentBytesRange.lowerBound) (1 MiB) to \(Self.segmentBytesRange.upperBound) (1 GiB)"
                )
            }
            options.segmentBytes = bytes
        }
        return options
    }

    /// `<connection>/<topic>`, after checking that `connection` resolves inside an allowed root and exists (or may be
    /// created). For a new topic (`creating`) also: its name is not one of the names files in a topic's directory
    /// have (`lock`, segments and their sidecars), `connection` is not inside another topic's directory, and the
    /// topic's directory is new, empty, or this topic's already. A stored topic is not held to these, so no later
    /// topic can keep it from opening.
    func topicDirectory(for configuration: TopicConfiguration, creating: Bool = true) throws(EventStoreError) -> String {
        guard let connection = configuration.connection, !connection.isEmpty else {
            throw EventStoreError(.unsupportedConfiguration, "adapter 'fs' requires connection (a directory)")
        }
        guard let resolved = Self.resolve(connection) else {
            throw EventStoreError(
                .unsupportedConfiguration,
                "connection '\(connection)' cannot be resolved (it contains '..' after a missing directory)"
            )
        }
        let directory = resolved + (resolved.hasSuffix("/") ? "" : "/") + configuration.name.rawValue
        if !self.allowedRoots.contains(where: { Self.path(resolved, isInside: $0) }) {
            // A topic stored before the roots moved out of the server's directory opens where it is; nothing new goes there.
            guard let server = self.serverDirectory, Self.path(resolved, isInside: server), Self.holdsTopic(directory) else {
                throw EventStoreError(
                    .unsupportedConfiguration,
                    "connection '\(connection)' is outside the directories fs topics may use (see --fs-allowed-root)"
                )
            }
        }
        if let server = self.serverDirectory,
            Self.path(server, isInside: directory) || directory.hasPrefix(server + "/catalog.json")
        {
            throw EventStoreError(.unsupportedConfiguration, "topic '\(configuration.name)' would take the place of the server's own files")
        }
        if creating {
            try Self.checkNewTopicPlace(directory, connection: connection, name: configuration.name)
        }
        var info = stat()
        if stat(resolved, &info) != 0 {
            guard configuration.options["createDirIfNotExist"] == "true" else {
                throw EventStoreError(
                    .unsupportedConfiguration,
                    "connection directory '\(connection)' does not exist; create it or set options.createDirIfNotExist to \"true\""
                )
            }
        } else if info.st_mode & S_IFMT != S_IFDIR {
            throw EventStoreError(.unsupportedConfiguration, "connection '\(connection)' is not a directory")
        }
        return directory
    }

    /// Whether `path` is `directory` or lies below it (both resolved).
    static func path(_ path: String, isInside directory: String) -> Bool {
        path == directory || path.hasPrefix(directory == "/" ? "/" : directory + "/")
    }

    /// The rules only a new topic follows (see ``topicDirectory(for:creating:)``).
    private static func checkNewTopicPlace(_ directory: String, connection: String, name: TopicName) throws(EventStoreError) {
        let files = ["lock", DurableHead.fileName, SQLiteProjectionStore.fileName, SQLiteProjectionStore.fileName + "-wal", SQLiteProjectionStore.fileName + "-shm"]
        let reserved = files.contains(name.rawValue) || [".jsonl", ".index", ".ids"].contains { suffix in
            name.rawValue.hasSuffix(suffix) && name.rawValue.utf8.count == 20 + suffix.utf8.count
                && name.rawValue.utf8.prefix(20).allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        }
        if reserved {
            throw EventStoreError(.unsupportedConfiguration, "an fs topic cannot be named '\(name)': files in a topic's directory have that name")
        }
        var ancestor = String(directory[..<(directory.lastIndex(of: "/") ?? directory.startIndex)])
        while !ancestor.isEmpty {
            if Self.holdsTopic(ancestor) {
                throw EventStoreError(.unsupportedConfiguration, "connection '\(connection)' is inside another topic's directory")
            }
            guard let slash = ancestor.lastIndex(of: "/") else { break }
            ancestor = String(ancestor[..<slash])
        }
        if !Self.holdsTopic(directory), Self.holdsEntries(directory) {
            throw EventStoreError(.unsupportedConfiguration, "the directory of topic '\(name)' exists and is not a topic's")
        }
    }

    /// Whether `directory` exists and holds anything.
    private static func holdsEntries(_ directory: String) -> Bool {
        guard let handle = opendir(directory) else { return false }
        defer { closedir(handle) }
        while let entry = readdir(handle) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != ".", name != ".." { return true }
        }
        return false
    }

    /// Whether `directory` is a topic's: it holds the lock file (a regular file) every open topic takes.
    private static func holdsTopic(_ directory: String) -> Bool {
        var info = stat()
        return lstat(directory + "/lock", &info) == 0 && info.st_mode & S_IFMT == S_IFREG
    }

    /// The absolute path `path` stands for with symbolic links, `.` and `..` resolved. Components after the deepest
    /// existing directory are appended as they are, and may not be `.` or `..`.
    static func resolve(_ path: String) -> String? {
        var existing = path.hasPrefix("/") ? path : Self.currentDirectory() + "/" + path
        var missing: [Substring] = []
        while true {
            if let real = realpath(existing, nil) {
                defer { free(real) }
                var result = String(cString: real)
                for component in missing.reversed() {
                    guard component != "..", component != "." else { return nil }
                    result += (result.hasSuffix("/") ? "" : "/") + component
                }
                return result
            }
            guard errno == ENOENT, let slash = existing.lastIndex(of: "/"), existing != "/" else { return nil }
            let component = existing[existing.index(after: slash)...]
            if !component.isEmpty { missing.append(component) }
            existing = slash == existing.startIndex ? "/" : String(existing[..<slash])
        }
    }

    private static func currentDirectory() -> String {
        guard let cwd = getcwd(nil, 0) else { return "." }
        defer { free(cwd) }
        return String(cString: cwd)
    }
}
