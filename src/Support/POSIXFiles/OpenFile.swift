#if canImport(Glibc)
public import Glibc
#elseif canImport(Musl)
public import Musl
#elseif canImport(Darwin)
public import Darwin
#endif

/// An open file descriptor with the blocking calls a log needs. Call only from a thread pool, never from Swift's
/// cooperative pool.
///
/// Not thread-safe for writes; `pread` may be used concurrently.
public final class OpenFile: @unchecked Sendable {  // the descriptor is an Int32; the owner serialises writes
    public let path: String
    public let descriptor: Int32

    /// Opens `path` with POSIX `flags` (`O_CLOEXEC` is added).
    public init(path: String, flags: Int32, permissions: mode_t = 0o600) throws {
        let descriptor = open(path, flags | O_CLOEXEC, permissions)
        guard descriptor >= 0 else { throw PosixFile.SystemError(operation: "open", path: path, code: errno) }
        self.path = path
        self.descriptor = descriptor
    }

    deinit {
        close(self.descriptor)
    }

    /// The file's size in bytes.
    public func size() throws -> Int64 {
        var info = stat()
        guard fstat(self.descriptor, &info) == 0 else { throw PosixFile.SystemError(operation: "fstat", path: self.path, code: errno) }
        return Int64(info.st_size)
    }

    /// Appends all of `bytes` (the file must be open with `O_APPEND` or positioned at its end).
    public func write(_ bytes: [UInt8]) throws {
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(self.descriptor, $0.baseAddress! + written, $0.count - written) }
            if count < 0 {
                if errno == EINTR { continue }
                throw PosixFile.SystemError(operation: "write", path: self.path, code: errno)
            }
            written += count
        }
    }

    /// Reads up to `count` bytes at `offset`; fewer only at the end of the file.
    public func read(at offset: Int64, count: Int) throws -> [UInt8] {
        var result = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = result.withUnsafeMutableBytes {
                pread(self.descriptor, $0.baseAddress! + filled, count - filled, off_t(offset) + off_t(filled))
            }
            if got < 0 {
                if errno == EINTR { continue }
                throw PosixFile.SystemError(operation: "pread", path: self.path, code: errno)
            }
            if got == 0 { break }
            filled += got
        }
        result.removeSubrange(filled...)
        return result
    }

    /// Writes `bytes` at `offset` (pwrite), leaving the file position alone.
    public func write(_ bytes: [UInt8], at offset: Int64) throws {
        var written = 0
        while written < bytes.count {
            let count = bytes.withUnsafeBytes { raw in
                pwrite(self.descriptor, raw.baseAddress! + written, raw.count - written, off_t(offset) + off_t(written))
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw PosixFile.SystemError(operation: "pwrite", path: self.path, code: errno)
            }
            written += count
        }
    }

    /// Flushes the file's data (and the metadata needed to read it) to stable storage.
    public func synchronizeData() throws {
        guard fdatasync(self.descriptor) == 0 else { throw PosixFile.SystemError(operation: "fdatasync", path: self.path, code: errno) }
    }

    /// Cuts the file to `size` bytes.
    public func truncate(to size: Int64) throws {
        guard ftruncate(self.descriptor, off_t(size)) == 0 else {
            throw PosixFile.SystemError(operation: "ftruncate", path: self.path, code: errno)
        }
    }

    /// Releases a lock taken with ``tryLockExclusively()``.
    public func unlock() {
        flock(self.descriptor, LOCK_UN)
    }

    /// Takes an exclusive advisory lock without waiting.
    /// - Returns: false when another open file description (another process) holds it.
    public func tryLockExclusively() throws -> Bool {
        if flock(self.descriptor, LOCK_EX | LOCK_NB) == 0 { return true }
        if errno == EWOULDBLOCK { return false }
        throw PosixFile.SystemError(operation: "flock", path: self.path, code: errno)
    }
}
