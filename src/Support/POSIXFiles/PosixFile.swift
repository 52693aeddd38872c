#if canImport(Glibc)
public import Glibc
#elseif canImport(Musl)
public import Musl
#elseif canImport(Darwin)
public import Darwin
#endif

/// Blocking POSIX file operations. Call only from a thread pool, never from Swift's cooperative pool.
public enum PosixFile {
    /// A failed system call.
    public struct SystemError: Error, CustomStringConvertible {
        public var operation: String
        public var path: String
        public var code: Int32

        public init(operation: String, path: String, code: Int32) {
            self.operation = operation
            self.path = path
            self.code = code
        }

        public var description: String { "\(self.operation) \(self.path): \(String(cString: strerror(self.code)))" }
    }

    /// The whole file, or nil if it does not exist.
    public static func readIfExists(_ path: String) throws -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw SystemError(operation: "open", path: path, code: errno)
        }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SystemError(operation: "read", path: path, code: errno)
            }
            if count == 0 { return result }
            result.append(contentsOf: chunk[0..<count])
        }
    }

    /// Replaces `path` with `bytes` so that a crash leaves either the old or the new content: write a temporary
    /// file (its name unpredictable, never opened through a symbolic link), fsync it, rename it over `path`, fsync the
    /// directory.
    public static func writeAtomically(_ bytes: [UInt8], to path: String, directory: String, permissions: mode_t) throws {
        let temporary = "\(path).tmp-\(String(UInt64.random(in: .min ... .max), radix: 36))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, permissions)
        guard fd >= 0 else { throw SystemError(operation: "open", path: temporary, code: errno) }
        do {
            try self.writeAll(fd, bytes, path: temporary)
            guard fsync(fd) == 0 else { throw SystemError(operation: "fsync", path: temporary, code: errno) }
            close(fd)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw SystemError(operation: "rename", path: path, code: code)
        }
        try self.syncDirectory(directory)
    }

    /// Creates `path` and its missing parents (owner-only, 0700), and makes each creation durable: every new
    /// directory and the directory that holds it are fsync'd, so a crash cannot lose a directory whose files were
    /// acknowledged.
    public static func createDirectories(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        var parent = prefix.isEmpty ? "." : prefix
        var created: [(directory: String, parent: String)] = []
        for component in path.split(separator: "/") {
            prefix += component
            if mkdir(prefix, 0o700) == 0 {
                created.append((prefix, parent))
            } else if errno != EEXIST {
                throw SystemError(operation: "mkdir", path: prefix, code: errno)
            }
            parent = prefix
            prefix += "/"
        }
        for (directory, parent) in created {
            try self.syncDirectory(directory)
            try self.syncDirectory(parent)
        }
    }

    public static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw SystemError(operation: "open", path: path, code: errno) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw SystemError(operation: "fsync", path: path, code: errno) }
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SystemError(operation: "write", path: path, code: errno)
            }
            written += count
        }
    }
}
