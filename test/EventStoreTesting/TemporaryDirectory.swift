import Foundation

/// The one directory a test process keeps its temporary files in (`<tmp>/eventstore-tests-<pid>`): removed when the
/// process exits, and, when a process dies before it can, by the next test process (the directory of a pid that no
/// longer runs).
public enum TestScratch {
    private static let prefix = "eventstore-tests-"

    public static let directory: String = {
        let temporary = FileManager.default.temporaryDirectory.path
        for name in (try? FileManager.default.contentsOfDirectory(atPath: temporary)) ?? [] where name.hasPrefix(Self.prefix) {
            if let pid = Int32(name.dropFirst(Self.prefix.count)), kill(pid, 0) != 0, errno == ESRCH {
                try? FileManager.default.removeItem(atPath: temporary + "/" + name)
            }
        }
        let path = temporary + "/" + Self.prefix + String(getpid())
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        atexit { try? FileManager.default.removeItem(atPath: TestScratch.directory) }
        return path
    }()

    /// A new path (nothing is created there) in the process's scratch directory.
    public static func path(_ prefix: String, suffix: String = "") -> String {
        Self.directory + "/" + prefix + "-" + UUID().uuidString + suffix
    }
}

/// Runs `body` with a new, empty temporary directory, removed afterwards whether `body` returns or throws.
public func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = TestScratch.path("test")
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}
