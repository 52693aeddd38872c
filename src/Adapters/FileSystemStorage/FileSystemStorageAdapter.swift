public import EventStoreCore
public import Logging
public import NIOPosix
import POSIXFiles

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
/// refused), `segmentBytes` (default 64 MiB, at least 4096). A topic's `connection` must resolve (symbolic links
/// and `..` resolved) inside one of the allowed roots.
public struct FileSystemStorageAdapter: StorageAdapter {
    public static let knownOptions: Set<String> = ["createDirIfNotExist", "segmentBytes"]

    /// Directories (resolved) inside which topics may live.
    public let allowedRoots: [String]
    public let defaults: FileSystemEventLog.Options
    private let threadPool: NIOThreadPool

    /// - Parameters:
    ///   - allowedRoots: directories topics may live in; each is resolved (and created if missing).
    ///   - threadPool: runs every blocking file call.
    public init(allowedRoots: [String], defaults: FileSystemEventLog.Options = .init(), threadPool: NIOThreadPool) throws {
        self.allowedRoots = try allowedRoots.map { root in
            try PosixFile.createDirectories(root)
            guard let resolved = Self.resolve(root) else { throw PosixFile.SystemError(operation: "realpath", path: root, code: errno) }
            return resolved
        }
        self.defaults = defaults
        self.threadPool = threadPool
    }

    public var kind: AdapterKind { .fileSystem }

    /// Checks the options; the `connection` directory is checked (on the thread pool) when the log is opened.
    public func validate(_ configuration: TopicConfiguration) throws {
        _ = try self.options(for: configuration)
    }

    public func openLog(for configuration: TopicConfiguration, logger: Logger) async throws -> any EventLog {
        let options = try self.options(for: configuration)
        let directory = try await self.threadPool.runIfActive { try self.topicDirectory(for: configuration) }
        return try await FileSystemEventLog.open(
            directory: directory,
            topic: configuration.name.rawValue,
            options: options,
            threadPool: self.threadPool,
            logger: logger
        )
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
            guard let bytes = Int64(text), bytes >= 4096 else {
                throw EventStoreError(.unsupportedConfiguration, "options.segmentBytes must be an integer of at least 4096")
            }
            options.segmentBytes = bytes
        }
        return options
    }

    /// `<connection>/<topic>`, after checking that `connection` resolves inside an allowed root and exists (or may be
    /// created).
    func topicDirectory(for configuration: TopicConfiguration) throws(EventStoreError) -> String {
        guard let connection = configuration.connection, !connection.isEmpty else {
            throw EventStoreError(.unsupportedConfiguration, "adapter 'fs' requires connection (a directory)")
        }
        guard let resolved = Self.resolve(connection) else {
            throw EventStoreError(
                .unsupportedConfiguration,
                "connection '\(connection)' cannot be resolved (it contains '..' after a missing directory)"
            )
        }
        guard self.allowedRoots.contains(where: { resolved == $0 || resolved.hasPrefix($0 == "/" ? "/" : $0 + "/") }) else {
            throw EventStoreError(
                .unsupportedConfiguration,
                "connection '\(connection)' is outside the directories fs topics may use (see --fs-allowed-root)"
            )
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
        return resolved + "/" + configuration.name.rawValue
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
