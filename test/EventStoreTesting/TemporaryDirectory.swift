import Foundation
import Synchronization

/// Runs `body` with a new, empty temporary directory, removed afterwards whether `body` returns or throws.
public func withTemporaryDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("eventstore-test-\(UUID())").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: path) }
    return try await body(path)
}

/// Paths a test process removes when it exits, for helpers that hand out a path rather than run a body.
public enum TemporaryPaths {
    private static let paths = Mutex<[String]>([])
    private static let registerCleanUp: Void = {
        atexit { for path in TemporaryPaths.paths.withLock({ $0 }) { try? FileManager.default.removeItem(atPath: path) } }
    }()

    /// Removes `path` (a file or a directory tree) when the process exits.
    public static func removeAtExit(_ path: String) {
        _ = Self.registerCleanUp
        Self.paths.withLock { $0.append(path) }
    }
}
